import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { message, namedMessages } from '../../src/core/message/index.js';
import { connect, listen } from '../../src/endpoint/index.js';
import { Dispatcher, dispatcherOptions } from '../../src/dispatch/index.js';
import { repoRoot } from '../helpers/root.js';
import { within } from '../helpers/net.js';

/** The first example of docs/dispatcher.md, with console.log recorded. */
async function firstExample(): Promise<string[]> {
  const lines: string[] = [];
  const console = { log: (line: string) => void lines.push(line) };
  // <example>
  const d = new Dispatcher({ onStop: () => void server.close() });
  d.on('LOCK', (msg, ctx) => void ctx.reply('LOCKED', { key: msg.getString('key') }), {
    schema: { key: { type: 'string', required: true }, timeout: { type: 'integer', min: 1, max: 3600 } },
  });
  const server = await listen('tcp://127.0.0.1:0', dispatcherOptions(d));

  const conn = await connect(server.url, { protocol: namedMessages() });
  conn.send(message('LOCK', { key: 'website' }));
  console.log(String(await conn.receive())); // LOCKED key=website
  conn.send(message('LOCK', { key: 'website', timeout: 0 }));
  console.log(String(await conn.receive())); // INVALID command=LOCK;message=parameter "timeout": "0" is not an integer from 1 to 3600
  conn.send(message('HELP'));
  console.log(String(await conn.receive())); // COMMANDS list=ALIVE,HELP,INVALID,LOCK,LOG_ROTATE,QUITTING,READY,RESTART,STOP,UNKNOWN
  conn.send(message('STOP'));
  await conn.closed; // onStop closed the server, and with it this connection
  // </example>
  await server.close();
  return lines;
}

describe('docs/dispatcher.md', () => {
  it('shows the first example exactly as this test runs it', () => {
    const doc = readFileSync(join(repoRoot, 'docs/dispatcher.md'), 'utf8');
    const block = /```ts\n([\s\S]*?)```/.exec(doc)?.[1];
    const source = readFileSync(join(repoRoot, 'test/dispatch/docs-example.test.ts'), 'utf8');
    const body = /\/\/ <example>\n([\s\S]*?)\s*\/\/ <\/example>/.exec(source)![1]!;
    const dedented = body
      .split('\n')
      .map((l) => l.replace(/^ {2}/, ''))
      .join('\n');
    assert.equal(block, dedented + '\n');
  });

  it('prints what the comments in the first example say', async () => {
    const lines = await within(firstExample(), 10_000, 'the example');
    const source = readFileSync(join(repoRoot, 'test/dispatch/docs-example.test.ts'), 'utf8');
    const expected = [...source.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => m[1]);
    assert.equal(expected.length, 3);
    assert.deepEqual(lines, expected);
  });
});
