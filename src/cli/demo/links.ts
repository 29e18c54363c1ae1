/**
 * Seed 000 (links): a typed client and server exchange Ping and Pong over newline-delimited
 * JSON, with a logger callback on both sides showing every message sent and received.
 */
import { linesJson } from '../../core/index.js';
import { chainCallbacks, connect, listen, loggerCallback, storeCallback, type Logger } from '../../endpoint/index.js';
import type { Scenario } from './scenario.js';

/** What the client sends and the server receives. */
type ClientMsg = { type: 'ping'; seq: number };
/** What the server sends and the client receives. */
type ServerMsg = { type: 'pong'; seq: number };

export const links: Scenario = {
  name: 'links',
  title: 'links ping/pong (seed 000): typed messages, logger callback, connect with timeout and retry',
  async run(out) {
    const logger: Logger = { debug: out, info: out, warn: out, error: out };
    const svcStore = storeCallback<ClientMsg, ServerMsg>();
    const cltStore = storeCallback<ServerMsg, ClientMsg>();
    const timeout = 1000;

    await using svc = await listen<ClientMsg, ServerMsg>('tcp://127.0.0.1:0', {
      name: 'svc',
      maxConnections: 1,
      protocol: linesJson<ClientMsg, ServerMsg>(),
      callbacks: chainCallbacks(loggerCallback({ logger }), svcStore),
    });
    await using clt = await connect<ServerMsg, ClientMsg>(svc.url, {
      name: 'clt',
      timeout,
      retryAfter: timeout / 10,
      protocol: linesJson<ServerMsg, ClientMsg>(),
      callbacks: chainCallbacks(loggerCallback({ logger }), cltStore),
    });

    const sent = await clt.sendWait({ type: 'ping', seq: 1 }, { timeout });
    out(`clt send status: ${sent}`);
    const ping = await svcStore.waitFor((m) => m.type === 'ping', { timeout });
    const [svcConn] = svc.connections;
    if (!svcConn) throw new Error('the server has no connection');
    const replied = await svcConn.sendWait({ type: 'pong', seq: ping.seq }, { timeout });
    out(`svc send status: ${replied}`);
    const pong = await cltStore.waitFor((m) => m.type === 'pong', { timeout });
    out(`round trip complete: ping ${ping.seq} -> pong ${pong.seq}`);
  },
};
