import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './helpers/root.js';
import * as echo from '../examples/echo.js';
import * as login from '../examples/login-protocol.js';
import * as broadcast from '../examples/broadcast.js';
import * as websocket from '../examples/websocket.js';
import * as named from '../examples/named-messages.js';
import * as sessions from '../examples/sessions.js';
import * as rooms from '../examples/rooms.js';
import * as metrics from '../examples/metrics.js';

async function run(main: (log: (l: string) => void) => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  await main((l) => lines.push(l));
  return lines;
}

describe('examples', () => {
  it('rooms: members get their rooms\' messages only, and the hook refuses a room', async () => {
    assert.deepEqual(await run(rooms.main), [
      'ann joined lobby',
      'admin-bo joined lobby',
      'admin-bo joined staff',
      'eve refused staff',
      'admin-bo got: staff <admin-bo> deploy at 5',
      'admin-bo got: lobby <ann> hi all',
      'ann got: lobby <ann> hi all',
      'staff has 1, lobby has 2',
    ]);
  });

  it('metrics: exact counts in the snapshot and the Prometheus text, and a channel subscriber', async () => {
    assert.deepEqual(await run(metrics.main), ['open 1, received 10, sent 10', 'switchboard_messages_received_total 10', 'connection:open events: 2']);
  });

  it('echo: the client gets its message back', async () => {
    assert.deepEqual(await run(echo.main), ['sent: hello']);
  });

  it('login-protocol: orders are numbered by beforeSend and a wrong password is refused', async () => {
    assert.deepEqual(await run(login.main), ['ack 1', 'ack 2', 'refused: HANDSHAKE_REJECTED']);
  });

  it('broadcast: every client gets the broadcast', async () => {
    const lines = await run(broadcast.main);
    assert.equal(lines.filter((l) => l.startsWith('connected: svc(')).length, 3);
    assert.ok(lines.includes('broadcast: 3 sent, 0 dropped'), lines.join('\n'));
    assert.equal(lines.filter((l) => l === 'Hello world').length, 3);
  });

  it('websocket: text stays text, binary stays binary, ping answers', async () => {
    assert.deepEqual(await run(websocket.main), ['hello', 'binary: 1,2,3', 'pong after a round trip']);
  });

  it('named-messages: the dispatcher answers, checks the schema, and says UNKNOWN', async () => {
    assert.deepEqual(await run(named.main), [
      'LOCKED key=website',
      'INVALID command=LOCK;message=parameter "key" is required',
      'UNKNOWN command=FLY',
    ]);
  });

  it('sessions: a dropped connection loses nothing, and a request is answered', async () => {
    assert.deepEqual(await run(sessions.main), ['got 1,2,3,4,5,6', 'answer HELLO, resumed 1']);
  });

  it('the README shows each example exactly as it is in examples/', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/<!-- example: (examples\/[\w.-]+\.ts) -->\s*```ts\n([\s\S]*?)```/g)];
    assert.ok(blocks.length >= 5, 'the README embeds examples');
    for (const [, file, code] of blocks) {
      const source = readFileSync(join(repoRoot, file!), 'utf8');
      assert.equal(code, source, `README block for ${file} differs from the file`);
    }
  });
});
