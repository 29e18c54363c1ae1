/**
 * The client/server conversation of eventdispatcher's examples (seed 001), with a Dispatcher on
 * each side over real TCP:
 *
 *     Client          Server
 *     connect    ->   connected
 *                <-   HI
 *     DAD        ->
 *                <-   CLIMB
 *     TOP        ->
 *                <-   WHO
 *     MOM        ->
 *                <-   BYE
 *     quit
 *
 * and `QUIT` sent to the server (what `ed-signal --message QUIT` does) makes it close everything.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { message, namedMessages, type Message } from '../../src/core/message/index.js';
import { connect, listen, type Server } from '../../src/endpoint/index.js';
import { Dispatcher, dispatcherOptions } from '../../src/dispatch/index.js';
import { WAIT_MS, within } from '../helpers/net.js';
import { recordingLogger } from './helpers.js';

/** A trace logger that writes `<side> <- <message>` into a shared transcript. */
function transcriptLogger(side: string, transcript: string[]) {
  const logger = recordingLogger();
  return {
    ...logger,
    info: (line: string) => void transcript.push(`${side} <- ${line.slice(line.indexOf(' >> ') + 4)}`),
  };
}

async function startServer(transcript: string[]): Promise<Server<Message, Message>> {
  const d = new Dispatcher({ logger: recordingLogger(), trace: transcriptLogger('server', transcript) });
  d.on('DAD', (_m, ctx) => void ctx.reply('CLIMB'));
  d.on('TOP', (_m, ctx) => void ctx.reply('WHO'));
  d.on('MOM', (_m, ctx) => void ctx.reply('BYE'));
  // Removing every connection ends the server (the seed's my_daemon::quit()).
  d.on('QUIT', () => void server.close());
  const server: Server<Message, Message> = await listen(
    'tcp://127.0.0.1:0',
    dispatcherOptions(d, { name: 'server', callbacks: { onConnect: (conn) => void conn.send(message('HI')) } }),
  );
  return server;
}

function clientDispatcher(transcript: string[]): Dispatcher {
  const d = new Dispatcher({ logger: recordingLogger(), trace: transcriptLogger('client', transcript) });
  d.on('HI', (_m, ctx) => void ctx.reply('DAD'));
  d.on('CLIMB', (_m, ctx) => void ctx.reply('TOP'));
  d.on('WHO', (_m, ctx) => void ctx.reply('MOM'));
  // The server is not happy: the client quits.
  d.on('BYE', (_m, ctx) => void ctx.conn?.close());
  return d;
}

describe('seed 001: the eventdispatcher client/server conversation', () => {
  it('runs HI, DAD, CLIMB, TOP, WHO, MOM, BYE in order, then the client quits', async () => {
    const transcript: string[] = [];
    const server = await startServer(transcript);
    try {
      const conn = await connect(server.url, dispatcherOptions(clientDispatcher(transcript), { name: 'client', timeout: WAIT_MS }));
      const info = await within(conn.closed, WAIT_MS, 'the client to quit after BYE');
      assert.deepEqual(transcript, [
        'client <- HI',
        'server <- DAD',
        'client <- CLIMB',
        'server <- TOP',
        'client <- WHO',
        'server <- MOM',
        'client <- BYE',
      ]);
      assert.equal(info.initiator, 'local', 'the client closed');
      assert.equal(info.error, undefined);
    } finally {
      await server.close();
    }
  });

  it('serves several clients, each through the whole conversation', async () => {
    const transcript: string[] = [];
    const server = await startServer(transcript);
    try {
      const conns = await Promise.all([1, 2, 3].map((i) => connect(server.url, dispatcherOptions(clientDispatcher(transcript), { name: `c${i}` }))));
      await within(Promise.all(conns.map((c) => c.closed)), WAIT_MS, 'every client to quit');
      assert.equal(transcript.filter((l) => l === 'client <- BYE').length, 3);
      assert.equal(transcript.filter((l) => l === 'server <- MOM').length, 3);
    } finally {
      await server.close();
    }
  });

  it('stops the server when it receives QUIT', async () => {
    const server = await startServer([]);
    const conn = await connect(server.url, { protocol: namedMessages(), name: 'ed-signal' });
    assert.equal(String(await conn.receive({ timeout: WAIT_MS })), 'HI');
    conn.send(message('QUIT'));
    const info = await within(conn.closed, WAIT_MS, 'the server to close the connection');
    assert.equal(info.initiator, 'peer');
    await within(server.close(), WAIT_MS, 'the server to be closed');
    assert.equal(server.connectionCount, 0);
  });
});
