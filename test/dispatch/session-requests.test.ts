import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Dispatcher, connect, dispatcherRequests, listen, message, namedMessages, type Message } from '../../src/index.js';
import { within } from '../helpers/net.js';

describe('dispatcherRequests: a dispatcher answers named-message requests on a session', () => {
  it('answers with the first reply; schema problems and unknown commands are answered too', async () => {
    const d = new Dispatcher();
    d.on('LOCK', (msg, ctx) => void ctx.reply('LOCKED', { key: msg.getString('key') }), { schema: { key: { type: 'string', required: true } } });
    d.on('QUIET', () => {}, { tag: 'x' });
    const server = await listen<Message, Message>('tcp://127.0.0.1:0', { protocol: namedMessages(), session: { onRequest: dispatcherRequests(d) } });
    const s = await connect<Message, Message>(server.url, { protocol: namedMessages(), session: true });
    try {
      assert.equal(String(await within(s.request(message('LOCK', { key: 'website' })))), 'LOCKED key=website');
      assert.equal(String(await within(s.request(message('LOCK')))), 'INVALID command=LOCK;message=parameter "key" is required');
      assert.equal(String(await within(s.request(message('FLY')))), 'UNKNOWN command=FLY');
      await assert.rejects(s.request(message('QUIET')), { code: 'NO_HANDLER' });
    } finally {
      await s.close();
      await server.close();
    }
  });
});
