/**
 * The eventdispatcher log-rotate signal, end to end on real sockets: a daemon writes a log file
 * and listens for `LOG_ROTATE` on a datagram endpoint with a secret code; logrotate renames the
 * file and an `ed-signal`-like one-shot client sends `LOG_ROTATE secret_code=...`; the daemon
 * reopens its log, so new lines go to a new file. A `LOG_ROTATE` with a wrong or missing secret
 * code is dropped and counted, and the daemon keeps writing to the file it has.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, SendStatus, type SwitchboardError } from '../../src/core/index.js';
import { message } from '../../src/core/message/index.js';
import { bindDatagram, datagramClient, type DatagramEndpoint } from '../../src/endpoint/datagram.js';
import { unixgramSupport } from '../../src/transport/datagram.js';
import { WAIT_MS, tempSocketPath, waitFor } from '../helpers/net.js';
import type { Message } from '../../src/core/message/index.js';

const SECRET = 'rotate-7f3a';

/** A log that can be reopened, like a logger's file appender. */
class FileLog {
  private fd: number;
  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }
  write(line: string): void {
    writeSync(this.fd, line + '\n');
  }
  reopen(): void {
    closeSync(this.fd);
    this.fd = openSync(this.path, 'a');
  }
  close(): void {
    closeSync(this.fd);
  }
}

/** The daemon's side: handles LOG_ROTATE from its datagram endpoint until the endpoint closes. */
async function serveLogRotate(ep: DatagramEndpoint<Message, Message>, log: FileLog, rotations: { n: number }): Promise<void> {
  for await (const { msg } of ep) {
    if (msg.command === 'LOG_ROTATE') {
      log.reopen();
      rotations.n++;
    }
  }
}

/** `ed-signal --server <url> --message LOG_ROTATE --type udp`: one datagram, then exit. */
async function edSignal(url: string, secretCode: string | undefined): Promise<void> {
  await using signal = await datagramClient(url, secretCode === undefined ? {} : { secretCode });
  assert.equal(signal.send(message('LOG_ROTATE')), SendStatus.Sent);
}

const support = unixgramSupport();
const transports: Array<[string, () => string, string | false]> = [
  ['UDP on 127.0.0.1', () => 'udp://127.0.0.1:0', false],
  ['UDP on ::1', () => 'udp://[::1]:0', false],
  [
    'a Unix datagram socket',
    () => `unixgram://${tempSocketPath('logrotate.sock')}`,
    support.available || process.env['SWITCHBOARD_REQUIRE_UNIXGRAM'] === '1' ? false : `unix-dgram does not load here: ${support.error.message}`,
  ],
];

describe('LOG_ROTATE over datagrams', () => {
  for (const [what, url, skip] of transports) {
    it(`reopens the log on a LOG_ROTATE with the right secret code, over ${what}; a wrong one is dropped and counted`, { skip }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sb-logrotate-'));
      const logPath = join(dir, 'daemon.log');
      const log = new FileLog(logPath);
      const fails: SwitchboardError[] = [];
      const rotations = { n: 0 };
      const ep = await bindDatagram(url(), { secretCode: SECRET, callbacks: { onFail: (e) => void fails.push(e) } });
      const serving = serveLogRotate(ep, log, rotations);
      try {
        log.write('before rotation');
        renameSync(logPath, `${logPath}.1`); // what logrotate does first
        log.write('after rename, before the signal'); // still goes to the renamed file

        // A signal with a wrong secret code, then one without: both dropped, the log is not reopened.
        await edSignal(ep.url, 'not-the-secret');
        await edSignal(ep.url, undefined);
        await waitFor(() => ep.stats.droppedSecret === 2, WAIT_MS, 'two refused signals');
        assert.equal(rotations.n, 0);
        assert.deepEqual(
          fails.map((e) => e.code),
          [ErrorCode.SECRET_CODE_MISMATCH, ErrorCode.SECRET_CODE_MISMATCH],
        );
        assert.equal(existsSync(logPath), false, 'no new log file yet');

        // logrotate's postrotate: the real signal.
        await edSignal(ep.url, SECRET);
        await waitFor(() => rotations.n === 1, WAIT_MS, 'the log to be reopened');
        log.write('after the signal');

        assert.equal(readFileSync(`${logPath}.1`, 'utf8'), 'before rotation\nafter rename, before the signal\n');
        assert.equal(readFileSync(logPath, 'utf8'), 'after the signal\n');
        assert.equal(ep.stats.received, 3);
        assert.equal(ep.stats.delivered, 1);
        assert.equal(ep.stats.droppedSecret, 2);
      } finally {
        await ep.close();
        await serving;
        log.close();
      }
    });
  }

  it('keeps serving after a burst of bad signals and garbage', async () => {
    const rotations = { n: 0 };
    const dir = mkdtempSync(join(tmpdir(), 'sb-logrotate-'));
    const log = new FileLog(join(dir, 'd.log'));
    await using ep = await bindDatagram('udp://127.0.0.1:0', { secretCode: SECRET });
    const serving = serveLogRotate(ep, log, rotations);
    {
      await using noisy = await datagramClient(ep.url, { secretCode: 'wrong' });
      for (let i = 0; i < 50; i++) noisy.send(message('LOG_ROTATE', { i }));
    }
    await edSignal(ep.url, SECRET);
    await waitFor(() => rotations.n === 1, WAIT_MS, 'the good signal');
    await waitFor(() => ep.stats.droppedSecret === 50, WAIT_MS, 'fifty refused signals');
    await ep.close();
    await serving;
    log.close();
  });
});
