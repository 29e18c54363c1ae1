import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, listen, type Connection } from '../../src/index.js';
import { WAIT_MS, waitFor } from '../helpers/net.js';
import { chatClient, chatServer, receiveN, type Chat } from '../cluster/chat.js';

/** Reads `c` up to the message whose text is `marker`; returns what came before it. */
async function nothingBefore(c: Connection<Chat, Chat>, marker: string): Promise<Chat[]> {
  const seen: Chat[] = [];
  for (let i = 0; i < 100; i++) {
    const m = await c.receive({ timeout: WAIT_MS });
    if (m.text === marker) return seen;
    seen.push(m);
  }
  throw new Error('marker never came');
}

describe('rooms (one server, no broker)', () => {
  it('delivers a room message to its members only, once each, and stops after leave', async () => {
    const chat = await chatServer('solo');
    try {
      const [a, b] = await Promise.all([chatClient(chat.server.url, ['lobby']), chatClient(chat.server.url, ['lobby', 'side'])]);
      const outsider = await chatClient(chat.server.url, ['side']);
      a.send({ op: 'say', room: 'lobby', text: 'hello' });
      assert.deepEqual(await a.receive({ timeout: WAIT_MS }), { op: 'msg', room: 'lobby', text: 'hello' });
      assert.deepEqual(await b.receive({ timeout: WAIT_MS }), { op: 'msg', room: 'lobby', text: 'hello' });
      // the outsider got nothing of the lobby: the next thing it sees is a side message
      b.send({ op: 'say', room: 'side', text: 'marker' });
      assert.deepEqual(await nothingBefore(outsider, 'marker'), []);
      assert.deepEqual((await b.receive({ timeout: WAIT_MS })).text, 'marker');

      b.send({ op: 'leave', room: 'lobby' });
      assert.equal((await b.receive({ timeout: WAIT_MS })).op, 'left');
      a.send({ op: 'say', room: 'lobby', text: 'after' });
      assert.equal((await a.receive({ timeout: WAIT_MS })).text, 'after');
      b.send({ op: 'say', room: 'side', text: 'marker2' });
      assert.deepEqual(await nothingBefore(b, 'marker2'), [], 'b left the lobby: no "after"');
      const members = [...chat.server.rooms.members('lobby')];
      assert.equal(members.length, 1);
      await Promise.all([a.close(), b.close(), outsider.close()]);
      await waitFor(() => chat.server.rooms.size === 0, WAIT_MS, 'closed connections to leave their rooms');
    } finally {
      await chat.close();
    }
  });

  it('refuses ">", "a.*", a 10 KiB name and other characters with ROOM_INVALID_NAME, and the client sees no other room', async () => {
    const chat = await chatServer('names');
    try {
      const bad = await chatClient(chat.server.url);
      const member = await chatClient(chat.server.url, ['lobby']);
      for (const room of ['>', 'a.*', '*', 'a.b', 'x'.repeat(10 * 1024), '', 'a b', 'caf\u00e9', 'a\nb']) {
        bad.send({ op: 'join', room });
        const ack = await bad.receive({ timeout: WAIT_MS });
        assert.deepEqual([ack.op, ack.code], ['refused', 'ROOM_INVALID_NAME'], `room ${JSON.stringify(room.slice(0, 20))}`);
      }
      assert.equal(chat.server.rooms.size, 1, 'only the lobby exists');
      member.send({ op: 'say', room: 'lobby', text: 'secret' });
      assert.equal((await member.receive({ timeout: WAIT_MS })).text, 'secret');
      // The refused client gets nothing of it: its next message is its own error.
      bad.send({ op: 'say', room: '>', text: 'x' });
      assert.deepEqual(await bad.receive({ timeout: WAIT_MS }), { op: 'error', code: 'ROOM_INVALID_NAME' });
      assert.throws(() => chat.server.to('a.*').send({ op: 'x' }), { code: 'ROOM_INVALID_NAME' });
      await Promise.all([bad.close(), member.close()]);
    } finally {
      await chat.close();
    }
  });

  it('asks the authorization hook: a refused join is ROOM_FORBIDDEN, a throwing hook too', async () => {
    const chat = await chatServer('auth');
    chat.server.rooms.authorize = (conn, room) => {
      if (room === 'boom') throw new Error('db down');
      return room.startsWith('public-') || conn.data['admin'] === true;
    };
    try {
      const c = await chatClient(chat.server.url, ['public-1']);
      for (const room of ['private', 'boom']) {
        c.send({ op: 'join', room });
        assert.deepEqual(await c.receive({ timeout: WAIT_MS }), { op: 'refused', room, code: 'ROOM_FORBIDDEN' });
      }
      const [conn] = [...chat.server.connections];
      conn!.data['admin'] = true;
      c.send({ op: 'join', room: 'private' });
      assert.deepEqual(await c.receive({ timeout: WAIT_MS }), { op: 'joined', room: 'private' });
      assert.deepEqual([...conn!.rooms].sort(), ['private', 'public-1']);
      await c.close();
    } finally {
      await chat.close();
    }
  });

  it('keeps a connection in at most Limits.maxRoomsPerConnection rooms (ROOM_LIMIT)', async () => {
    const server = await listen<Chat, Chat>('tcp://127.0.0.1:0');
    try {
      const c = await connect<Chat, Chat>(server.url, { timeout: WAIT_MS });
      await waitFor(() => server.connectionCount === 1, WAIT_MS, 'the connection');
      const [conn] = [...server.connections];
      for (let i = 0; i < 1000; i++) await conn!.join(`r${i}`);
      await assert.rejects(conn!.join('one-more'), { code: 'ROOM_LIMIT' });
      await conn!.join('r5'); // already in: fine
      assert.equal(server.rooms.size, 1000);
      await c.close();
      await waitFor(() => server.rooms.size === 0, WAIT_MS, 'the closed connection to leave every room');
    } finally {
      await server.close();
    }
  });

  it('keeps application data on the connection; a client connection cannot join', async () => {
    const server = await listen<Chat, Chat>('tcp://127.0.0.1:0');
    try {
      const c = await connect<Chat, Chat>(server.url, { timeout: WAIT_MS });
      c.data['user'] = 'ann';
      assert.deepEqual(c.data, { user: 'ann' });
      c.data = { user: 'bob' };
      assert.equal(c.data['user'], 'bob');
      await assert.rejects(c.join('lobby'), { code: 'INVALID_OPTION' });
      assert.equal(c.leave('lobby'), false);
      assert.equal(c.rooms.size, 0);
      await c.close();
    } finally {
      await server.close();
    }
  });

  it('encodes a room message once for all members', async () => {
    let encodes = 0;
    const server = await listen<Chat, Chat>('tcp://127.0.0.1:0', {
      codec: {
        name: 'counting-json',
        binary: false,
        encode: (m) => {
          encodes++;
          return JSON.stringify(m);
        },
        decode: (b) => JSON.parse(new TextDecoder().decode(b)) as Chat,
      },
    });
    try {
      const clients = await Promise.all([0, 1, 2, 3].map(() => connect<Chat, Chat>(server.url, { timeout: WAIT_MS, codec: undefined })));
      await waitFor(() => server.connectionCount === 4, WAIT_MS, 'four connections');
      for (const conn of server.connections) await conn.join('r');
      const before = encodes;
      assert.equal(server.to('r').send({ op: 'msg', text: 'x' }).sent + server.to('r').send({ op: 'msg', text: 'y' }).queued >= 0, true);
      assert.equal(encodes - before, 2, 'two messages, each encoded once for four members');
      for (const c of clients) assert.deepEqual((await receiveN(c, 2)).map((m) => m.text), ['x', 'y']);
      await Promise.all(clients.map((c) => c.close()));
    } finally {
      await server.close();
    }
  });
});
