import { describeOrSkip } from '../helpers/skip.js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { joinCluster, listen, natsBroker, type Broker } from '../../src/index.js';
import { WAIT_MS, waitFor } from '../helpers/net.js';
import { chatClient, chatServer, warmUp, type ChatNode } from './chat.js';
import { natsServer, type NatsServer, natsSkip } from './nats.js';

describeOrSkip('cluster: bad names, sizes and envelopes', natsSkip(), ({ it, before, after }) => {
  let nats: NatsServer;
  let dir: string;
  let a: ChatNode;
  let b: ChatNode;
  let raw: Broker;

  before(async () => {
    // A broker with a small max_payload (4 KiB), set in a config file.
    dir = mkdtempSync(join(tmpdir(), 'sb-nats-'));
    const conf = join(dir, 'nats.conf');
    writeFileSync(conf, 'max_payload: 4096\n');
    nats = await natsServer(['-c', conf]);
    a = await chatServer('a', { nats: nats.url });
    b = await chatServer('b', { nats: nats.url });
    raw = await natsBroker({ servers: nats.url });
    await waitFor(() => a.node!.nodes.includes('b') && b.node!.nodes.includes('a'), WAIT_MS, 'a and b to hear of each other');
  });

  after(async () => {
    await raw?.close();
    await a?.close();
    await b?.close();
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses ">", "a.*" and a 10 KiB room name with ROOM_INVALID_NAME; the client sees no other room', async () => {
    const bad = await chatClient(b.server.url);
    const ma = await chatClient(a.server.url, ['lobby']);
    const mb = await chatClient(b.server.url, ['lobby']);
    for (const room of ['>', 'a.*', 'x'.repeat(10 * 1024), 'lobby.>', '*']) {
      bad.send({ op: 'join', room });
      const ack = await bad.receive({ timeout: WAIT_MS });
      assert.deepEqual([ack.op, ack.code], ['refused', 'ROOM_INVALID_NAME']);
    }
    assert.deepEqual(b.node!.subscribedRooms, ['lobby'], 'no subscription was made for a bad name');
    await warmUp(ma, 'lobby', [ma, mb]);
    ma.send({ op: 'say', room: 'lobby', text: 'secret' });
    assert.equal((await mb.receive({ timeout: WAIT_MS })).text, 'secret');
    // The refused client's next message is the answer to its own request: it saw no lobby traffic.
    bad.send({ op: 'say', room: 'a.*', text: 'x' });
    assert.deepEqual(await bad.receive({ timeout: WAIT_MS }), { op: 'error', code: 'ROOM_INVALID_NAME' });
    await assert.rejects(a.node!.presence('>'), { code: 'ROOM_INVALID_NAME' });
    await Promise.all([bad, ma, mb].map((c) => c.close()));
  });

  it("gives CLUSTER_PAYLOAD_TOO_LARGE at the sender for a message over the broker's max_payload, and delivers it nowhere", async () => {
    const ma = await chatClient(a.server.url, ['big']);
    const mb = await chatClient(b.server.url, ['big']);
    await warmUp(ma, 'big', [ma, mb]);
    assert.equal(a.node!.broker.maxPayload, 4096);
    ma.send({ op: 'say', room: 'big', text: 'x'.repeat(5000) });
    assert.deepEqual(await ma.receive({ timeout: WAIT_MS }), { op: 'error', code: 'CLUSTER_PAYLOAD_TOO_LARGE' });
    ma.send({ op: 'shout', text: 'y'.repeat(5000) });
    assert.deepEqual(await ma.receive({ timeout: WAIT_MS }), { op: 'error', code: 'CLUSTER_PAYLOAD_TOO_LARGE' });
    // No gap either: the refused message spent no sequence number.
    ma.send({ op: 'say', room: 'big', text: 'small' });
    assert.equal((await ma.receive({ timeout: WAIT_MS })).text, 'small');
    assert.equal((await mb.receive({ timeout: WAIT_MS })).text, 'small', 'b got the next message, not the big one');
    assert.equal(b.node!.stats.missed, 0);
    assert.throws(() => raw.publish('x', new Uint8Array(5000)), { code: 'CLUSTER_PAYLOAD_TOO_LARGE' });
    await Promise.all([ma.close(), mb.close()]);
  });

  it('drops and counts malformed envelopes from the broker, and goes on', async () => {
    const mb = await chatClient(b.server.url, ['victim']);
    const ma = await chatClient(a.server.url, ['victim']);
    await warmUp(ma, 'victim', [ma, mb]);
    const before = b.node!.stats.malformed;
    const garbage: Array<[string, Uint8Array]> = [
      ['switchboard.room.victim', new Uint8Array([1, 2, 3])],
      ['switchboard.room.victim', new Uint8Array(64).fill(0x53)],
      ['switchboard.room.victim', Uint8Array.from([0x53, 0x42, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1, 200, 0x41])], // node name runs past the end
      ['switchboard.room.victim', Uint8Array.from([0x53, 0x42, 1, 2, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0x7a, 0xff, 0xfe])], // node "z", payload not JSON
      ['switchboard.all', new TextEncoder().encode('{"op":')],
      ['switchboard.hb', new TextEncoder().encode('{"t":"hb","node":"a.>"}')],
      ['switchboard.hb', new TextEncoder().encode('[1,2,3]')],
      ['switchboard.query', new TextEncoder().encode('{"t":"q","node":"x"}')],
    ];
    for (const [subject, data] of garbage) raw.publish(subject, data);
    await raw.flush();
    await waitFor(() => b.node!.stats.malformed - before >= garbage.length, WAIT_MS, 'b to count every malformed message');
    assert.equal(b.node!.stats.malformed - before, garbage.length);
    // Still working.
    ma.send({ op: 'say', room: 'victim', text: 'alive' });
    assert.equal((await mb.receive({ timeout: WAIT_MS })).text, 'alive');
    await Promise.all([ma.close(), mb.close()]);
  });

  it('rejects a bad node name, and CLUSTER_CONNECT_FAILED when NATS is not there', async () => {
    const server = await listen('tcp://127.0.0.1:0');
    try {
      await assert.rejects(joinCluster(server, { nats: nats.url, node: 'a.b' }), { code: 'INVALID_OPTION' });
      await assert.rejects(joinCluster(server, { nats: nats.url, node: '>' }), { code: 'INVALID_OPTION' });
      await assert.rejects(joinCluster(server, { nats: { servers: 'nats://127.0.0.1:1', timeout: 500, maxReconnectAttempts: 0 }, node: 'x' }), { code: 'CLUSTER_CONNECT_FAILED' });
      await assert.rejects(joinCluster(server, { node: 'x' }), { code: 'INVALID_OPTION' });
    } finally {
      await server.close();
    }
  });
});
