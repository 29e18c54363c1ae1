/**
 * Structured logs in pino's calling convention (fields first, then the message), with message
 * previews only when asked; the line logger's JSON records; a file destination reopened.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, fileDestination, lineLogger, linesJson, listen, loggerCallback, type LogFields } from '../../src/index.js';
import { rawConnect, waitFor, within } from '../helpers/net.js';

type Record_ = { level: string; fields: LogFields; msg: string };

function pinoLike(): { records: Record_[]; logger: { [k in 'debug' | 'info' | 'warn' | 'error']: (f: LogFields, m: string) => void } } {
  const records: Record_[] = [];
  const at = (level: string) => (fields: LogFields, msg: string) => void records.push({ level, fields, msg });
  return { records, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

describe('structured logs', () => {
  it('gives a pino-shaped logger fields: connection, direction, size, error code; no message contents unless asked', async () => {
    const { records, logger } = pinoLike();
    const server = await listen<unknown, unknown>('tcp://127.0.0.1:0', {
      protocol: linesJson(),
      decodeErrors: 'skip',
      callbacks: loggerCallback({ structured: true, logger }),
    });
    const peer = await rawConnect(server.url);
    await peer.write('{"secret":"hunter2"}\nnot json\n');
    await waitFor(() => records.some((r) => r.fields['event'] === 'error'), undefined, 'the decode error');
    peer.destroy();
    await waitFor(() => records.some((r) => r.fields['event'] === 'disconnect'), undefined, 'the disconnect');
    await server.close();
    const connect_ = records.find((r) => r.fields['event'] === 'connect')!;
    assert.match(String(connect_.fields['connection']), /^svc\(127\.0\.0\.1:\d+<-127\.0\.0\.1:\d+\)$/);
    assert.equal(connect_.msg, 'connected');
    const msg = records.find((r) => r.fields['event'] === 'message')!;
    assert.deepEqual(Object.keys(msg.fields).sort(), ['connection', 'direction', 'event']);
    assert.equal(msg.fields['direction'], 'in');
    assert.ok(!JSON.stringify(records).includes('hunter2'), 'no message contents without preview');
    const error = records.find((r) => r.fields['event'] === 'error')!;
    assert.equal(error.level, 'warn');
    assert.equal(error.fields['code'], 'INVALID_JSON');
  });

  it('adds a preview of at most `preview` characters when asked, and sizes of strings and bytes', async () => {
    const { records, logger } = pinoLike();
    const server = await listen<unknown, unknown>('tcp://127.0.0.1:0', { protocol: linesJson(), callbacks: { onReceive: (c, m) => void c.send(m) } });
    const conn = await connect<unknown, unknown>(server.url, { protocol: linesJson(), callbacks: loggerCallback({ structured: true, logger, preview: 10, level: 'debug' }) });
    conn.send('é'.repeat(40));
    await within(conn.receive());
    await conn.close();
    await server.close();
    const out = records.find((r) => r.fields['direction'] === 'out')!;
    assert.equal(out.level, 'debug');
    assert.equal(out.fields['size'], 80, 'UTF-8 bytes of the string');
    assert.equal(out.fields['preview'], '"' + 'é'.repeat(9) + '...');
  });

  it('writes JSON lines with time, level, msg and the fields; a file destination reopens by path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-log-'));
    const path = join(dir, 'app.log');
    const dest = fileDestination(path);
    const log = lineLogger(dest, { format: 'json', level: 'info', now: () => 1234 });
    log.debug({ event: 'x' }, 'hidden');
    log.info({ event: 'connect', connection: 'svc(a)' }, 'connected');
    renameSync(path, path + '.1');
    log.reopen();
    log.warn({ code: 'IDLE_TIMEOUT', big: 10n }, 'idle');
    log.close();
    assert.deepEqual(JSON.parse(readFileSync(path + '.1', 'utf8')), { time: 1234, level: 'info', msg: 'connected', event: 'connect', connection: 'svc(a)' });
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { time: 1234, level: 'warn', msg: 'idle', code: 'IDLE_TIMEOUT', big: '10' });
  });
});
