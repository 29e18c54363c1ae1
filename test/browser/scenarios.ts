/**
 * The browser client's scenarios, run unchanged in headless Chromium and in Node through its
 * global WebSocket (client.test.ts bundles this file with esbuild for both). Each scenario talks
 * to real Switchboard servers whose URLs come in `params`, and returns plain JSON for the test to
 * check; the servers' side is checked by the test. No node:* here: it runs in a page.
 */
import {
  ErrorCode,
  connect,
  exponentialBackoff,
  isSwitchboardError,
  jsonCodec,
  permanentClient,
  sessionClient,
  textCodec,
  type SessionClientStatus,
  type CloseInfo,
  type SendStatus,
} from '../../src/browser/index.js';

type Params = Record<string, unknown>;
type Json = unknown;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A rejection's code, or its text when it is not a Switchboard error. */
async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
    return 'resolved';
  } catch (e) {
    return isSwitchboardError(e) ? e.code : `not a SwitchboardError: ${String(e)}`;
  }
}

function info(i: CloseInfo): Json {
  return { initiator: i.initiator, clean: i.clean, code: i.code ?? null, reason: i.reason ?? null, error: i.error?.code ?? null };
}

/** Deterministic payloads (the test makes the same to compare). */
export function makeBinary(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + 7 + (i >> 9)) & 255;
  return b;
}
export function makeText(n: number): string {
  const a = 'switchboard caf\u00e9 \u20ac \u4e2d\u6587 \u2713 ';
  let s = '';
  for (let i = 0; i < n; i++) s += a[(i * 7 + (i >> 10)) % a.length];
  return s;
}
function same(a: string | Uint8Array, b: unknown): boolean {
  if (typeof a === 'string') return a === b;
  if (!(b instanceof Uint8Array) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export const scenarios: Record<string, (p: Params) => Promise<Json>> = {
  /** Text, binary, 1 MiB of each, JSON, and a close with a code and a reason. */
  async roundTrip(p) {
    const conn = await connect(p['echo'] as string, { name: 'page' });
    const sent: Array<string | Uint8Array> = ['hello \u2713', makeBinary(70_000), makeBinary(1024 * 1024), makeText(1024 * 1024)];
    const statuses: SendStatus[] = [];
    const equal: boolean[] = [];
    const kinds: string[] = [];
    for (const m of sent) {
      statuses.push(conn.send(m));
      const got = await conn.receive({ timeout: 30_000 });
      kinds.push(typeof got === 'string' ? 'text' : 'binary');
      equal.push(same(m, got));
    }
    const closed = info(await conn.close({ code: 4001, reason: 'done \u2713' }));
    const j = await connect<unknown, unknown>(p['echo'] as string, { codec: jsonCodec() });
    const value = { a: [1, 'x', true], b: null, c: { d: 'caf\u00e9' } };
    const jsonStatus = j.send(value);
    const echoed = await j.receive({ timeout: 10_000 });
    await j.close();
    return { statuses, equal, kinds, closed, jsonStatus, echoed, stats: conn.stats, meta: conn.meta };
  },

  /** The server closes with 4000 and a reason; the client closes with 1000; a code a browser may not send is refused. */
  async closeCodes(p) {
    const a = await connect(p['echo'] as string);
    a.send('!close 4000 server bye \u2713');
    const byServer = info(await a.closed);
    const afterClose = a.send('late');
    const b = await connect(p['echo'] as string);
    const refused = await codeOf(b.close({ code: 1009 }));
    const longReason = await codeOf(b.close({ code: 4000, reason: 'x'.repeat(124) }));
    const stillOpen = b.state;
    const byClient = info(await b.close());
    return { byServer, afterClose, refused, longReason, stillOpen, byClient };
  },

  /** Sends in one tick until bufferedAmount passes the high-water mark and then the hard cap. */
  async backpressure(p) {
    let drains = 0;
    const conn = await connect(p['echo'] as string, {
      highWaterMark: 512 * 1024,
      maxQueuedBytes: 1024 * 1024,
      callbacks: { onDrain: () => drains++, observeOnly: true },
    });
    const chunk = makeBinary(192 * 1024);
    const statuses: SendStatus[] = [];
    for (let i = 0; i < 10; i++) statuses.push(conn.send(chunk));
    const queuedAfter = conn.queuedBytes;
    const drained = await conn.drained({ timeout: 30_000 });
    const waited = await conn.sendWait(chunk, { timeout: 30_000 });
    const accepted = statuses.filter((s) => s === 'sent' || s === 'queued' || s === 'backpressured').length + 1;
    // Take back every echo, so the server side is done before the close.
    for (let i = 0; i < accepted; i++) await conn.receive({ timeout: 30_000 });
    await conn.close();
    return { statuses, queuedAfter, drained, waited, accepted, drains };
  },

  /** A server that never answers: the silence timeout closes with HEARTBEAT_TIMEOUT; the app heartbeat went out. */
  async heartbeatTimeout(p) {
    const failures: string[] = [];
    const conn = await connect<string, string>(p['sink'] as string, {
      protocol: { codec: textCodec(), heartbeat: { interval: 100, message: 'ping', timeout: 500 } },
      callbacks: { onFail: (e) => failures.push(e.code), observeOnly: true },
    });
    const closed = info(await conn.closed);
    const next = await codeOf(conn.receive());
    return { closed, failures, next, messagesOut: conn.stats.messagesOut };
  },

  /** A server that answers the app heartbeat keeps the connection up well past the silence timeout; pongs are not delivered. */
  async heartbeatAlive(p) {
    const conn = await connect<string, string>(p['pong'] as string, {
      protocol: { codec: textCodec(), heartbeat: { interval: 100, message: 'ping', timeout: 400, isHeartbeat: (m) => m === 'pong' } },
    });
    await sleep(1600);
    const state = conn.state;
    conn.send('still here');
    const first = await conn.receive({ timeout: 10_000 });
    const out = conn.stats.messagesOut;
    await conn.close();
    return { state, first, out };
  },

  /** A message over maxMessageSize: WS_MESSAGE_TOO_LARGE, closed with 4009 (1009 in the private range). */
  async tooBig(p) {
    const failures: string[] = [];
    const conn = await connect(p['echo'] as string, {
      websocket: { limits: { maxMessageSize: 1024 } },
      callbacks: { onFail: (e) => failures.push(e.code), observeOnly: true },
    });
    conn.send('!big 1024');
    const atLimit = await conn.receive({ timeout: 10_000 });
    conn.send('!big 1025');
    const next = await codeOf(conn.receive({ timeout: 10_000 }));
    const closed = info(await conn.closed);
    return { atLimit: typeof atLimit === 'string' ? atLimit.length : -1, next, closed, failures };
  },

  /** Invalid JSON from the server: INVALID_JSON and a 4003 close; with decodeErrors 'skip', reported and skipped. */
  async badJson(p) {
    const conn = await connect<unknown, unknown>(p['echo'] as string, { codec: jsonCodec() });
    conn.send('!badjson');
    const next = await codeOf(conn.receive({ timeout: 10_000 }));
    const closed = info(await conn.closed);
    const skipped: string[] = [];
    const lenient = await connect<unknown, unknown>(p['echo'] as string, {
      codec: jsonCodec(),
      decodeErrors: 'skip',
      callbacks: { onFail: (e) => skipped.push(e.code), observeOnly: true },
    });
    lenient.send('!badjson');
    lenient.send({ after: 'bad' });
    const after = await lenient.receive({ timeout: 10_000 });
    const state = lenient.state;
    await lenient.close();
    return { next, closed, skipped, after, state };
  },

  /** A consumer that does not read while the server floods: RECEIVE_OVERFLOW, and never more than the limit held. */
  async receiveOverflow(p) {
    const conn = await connect(p['echo'] as string, { receiveQueue: 50 });
    conn.send('!flood 5000');
    const closed = info(await conn.closed);
    let read = 0;
    let end = 'done';
    try {
      for await (const _ of conn) read++;
    } catch (e) {
      end = isSwitchboardError(e) ? e.code : String(e);
    }
    return { closed, read, end, messagesIn: conn.stats.messagesIn };
  },

  /** Refused connects, retries until the timeout, receive modes, receive timeout. */
  async errors(p) {
    const refused = await codeOf(connect(p['closed'] as string));
    const t0 = Date.now();
    let attempts = 0;
    let timedOut = '';
    try {
      await connect(p['closed'] as string, { retryAfter: 50, timeout: 600 });
    } catch (e) {
      timedOut = isSwitchboardError(e) ? e.code : String(e);
      attempts = (isSwitchboardError(e) && (e.details?.['attempts'] as number)) || 0;
    }
    const elapsed = Date.now() - t0;
    const badUrl = await codeOf(() => connect('nope://127.0.0.1:1/'));
    const badOption = await codeOf(() => connect(p['echo'] as string, { receiveQueue: 0 }));
    const sessionOption = await codeOf(() => permanentClient(p['echo'] as string, { session: true } as never));
    const cb = await connect(p['echo'] as string, { callbacks: { onReceive: () => {} } });
    const conflict = await codeOf(cb.receive());
    const conflictIter = await codeOf(() => cb[Symbol.asyncIterator]());
    await cb.close();
    const plain = await connect(p['echo'] as string);
    const timeout = await codeOf(plain.receive({ timeout: 100 }));
    await plain.close();
    const afterClose = await codeOf(plain.receive());
    return { refused, timedOut, attempts, elapsed, badUrl, badOption, sessionOption, conflict, conflictIter, timeout, afterClose, codes: Object.keys(ErrorCode).length };
  },

  /** A permanent client given a dead URL first and the echo server second: it moves on and talks. */
  async severalUrls(p) {
    const tried: string[] = [];
    const client = permanentClient<string, string>([p['dead'] as string, p['echo'] as string], {
      codec: textCodec(),
      backoff: exponentialBackoff({ initial: 10, max: 50 }),
      onStatus: (s) => void (s.type === 'connecting' && tried.push(s.url)),
    });
    for (let k = 0; k < 500 && !client.connected; k++) await sleep(10);
    const status = client.send('over here');
    const echoed = await client.connection?.receive({ timeout: 5000 });
    const url = client.url;
    await client.close();
    return { tried, url, status, echoed, urls: client.urls };
  },

  /**
   * A permanent client sends {i} every 15 ms while its server is SIGKILLed and restarted (by the
   * test). Messages sent while disconnected go to the outbox and are flushed in order.
   */
  async outboxRestart(p) {
    const statuses: string[] = [];
    let connects = 0;
    const client = permanentClient<unknown, { i: number }>(p['url'] as string, {
      codec: jsonCodec(),
      backoff: exponentialBackoff({ initial: 50, max: 300 }),
      outbox: { maxMessages: 10_000 },
      onStatus: (s) => {
        statuses.push(s.type === 'disconnected' ? `disconnected:${s.info.error?.code ?? s.info.code}` : s.type);
        if (s.type === 'connected') connects++;
      },
    });
    for (let k = 0; k < 1000 && !client.connected; k++) await sleep(10);
    const sent: Array<{ i: number; status: SendStatus; connected: boolean }> = [];
    const limit = Number(p['max'] ?? 3000);
    let i = 0;
    let after = -1;
    for (; i < limit; i++) {
      const connected = client.connected;
      sent.push({ i, status: client.send({ i }), connected });
      if (connects >= 2 && after < 0) after = i;
      if (after >= 0 && i >= after + 20) break;
      await sleep(15);
    }
    for (let k = 0; k < 400 && client.queued > 0; k++) await sleep(25);
    const leftInOutbox = client.queued;
    // Let the last messages reach the server before the close.
    await client.connection?.drained({ timeout: 5000 });
    await sleep(200);
    await client.close();
    return { sent, statuses, leftInOutbox, stats: client.stats, last: i };
  },

  /**
   * onMessage returning a promise: the server's echoes of 0..5 are handled one at a time, in
   * order, each taken when its promise settles (the one for 2 rejects: reported, still taken).
   */
  async sessionAsyncMessages(p) {
    const got: number[] = [];
    const failures: string[] = [];
    let running = 0;
    let most = 0;
    const client = sessionClient<{ echo?: number }, { i?: number }>(p['url'] as string, {
      codec: jsonCodec(),
      backoff: exponentialBackoff({ initial: 50, max: 300 }),
      session: {
        onMessage: async (_s, m) => {
          if (m.echo === undefined) return;
          got.push(m.echo);
          running++;
          most = Math.max(most, running);
          await sleep(20);
          running--;
          if (m.echo === 2) throw new Error('cannot keep 2');
        },
        onFail: (_s, e) => void failures.push(e.code),
      },
    });
    for (let k = 0; k < 1000 && !client.connected; k++) await sleep(10);
    for (let i = 0; i < 6; i++) client.send({ i });
    for (let k = 0; k < 500 && got.length < 6; k++) await sleep(10);
    for (let k = 0; k < 500 && running > 0; k++) await sleep(10);
    await sleep(100); // the last acknowledgement goes out (20 ms batching)
    const acked = await client.acked({ timeout: 5000 });
    await client.close();
    return { got, most, failures, acked };
  },

  /**
   * A session client sends {i} every 10 ms and collects the server's echoes while the test cuts
   * its connection (a proxy that destroys it and refuses new ones for a while). Messages and a
   * request made while disconnected are kept by the session and delivered after the resume,
   * exactly once and in order, both ways.
   */
  async sessionResume(p) {
    const statuses: string[] = [];
    const got: number[] = [];
    const sent: Record<string, number> = {};
    const client = sessionClient<{ echo?: number; double?: number }, { i?: number; x?: number; slow?: number }>(p['url'] as string, {
      codec: jsonCodec(),
      backoff: exponentialBackoff({ initial: 50, max: 300 }),
      closeTimeout: 500,
      session: {
        heartbeat: { interval: 100, timeout: 600 },
        onMessage: (_s, m) => void (m.echo !== undefined && got.push(m.echo)),
      },
      onStatus: (s: SessionClientStatus) => statuses.push(statusText(s)),
    });
    const n = Number(p['count'] ?? 300);
    let offline: Promise<unknown> | undefined;
    let offlineAt = -1;
    for (let k = 0; k < 1000 && !client.connected; k++) await sleep(10);
    // Idle for longer than the silence timeout: the PINGs keep the connection (the server answers PONG).
    await sleep(1200);
    const idleKept = !statuses.some((x) => x.startsWith('disconnected'));
    for (let i = 0; i < n; i++) {
      const st = client.send({ i });
      sent[st] = (sent[st] ?? 0) + 1;
      if (offline === undefined && !client.connected) {
        offlineAt = i;
        offline = client.request({ x: i }, { timeout: 30_000 });
      }
      await sleep(10);
    }
    const duringCut = offline ? await offline : null;
    const after = await client.request({ x: 21 });
    const timedOut = await codeOf(client.request({ slow: 1 }, { timeout: 100 }));
    const ac = new AbortController();
    const aborted = client.request({ slow: 1 }, { signal: ac.signal });
    ac.abort();
    const abortCode = await codeOf(aborted);
    const acked = await client.acked({ timeout: 30_000 });
    for (let k = 0; k < 3000 && got.length < n; k++) await sleep(10);
    const { duplicates, resent } = client.counters;
    await client.close();
    return { statuses, idleKept, got, sent, offlineAt, duringCut, after, timedOut, abortCode, acked, stats: client.stats, duplicates, resent, sessionId: client.sessionId };
  },

  /** The server is replaced by a fresh one (the test closes it and listens again on the port): the client is told, never silently. */
  async sessionLost(p) {
    const statuses: string[] = [];
    const lost: string[] = [];
    const client = sessionClient<unknown, { i: number }>(p['url'] as string, {
      codec: jsonCodec(),
      backoff: exponentialBackoff({ initial: 50, max: 300 }),
      session: { onOpen: (_s, info) => void (info.lost && lost.push(info.lost.code)) },
      onStatus: (s: SessionClientStatus) => statuses.push(statusText(s)),
    });
    for (let k = 0; k < 1000 && !client.connected; k++) await sleep(10);
    const first = client.sessionId;
    client.send({ i: 1 });
    await client.acked({ timeout: 10_000 });
    // The test replaces the server now; wait for the new session.
    for (let k = 0; k < 3000 && lost.length === 0; k++) await sleep(10);
    client.send({ i: 2 });
    const acked = await client.acked({ timeout: 10_000 });
    const second = client.sessionId;
    await client.close();
    return { statuses, lost, changed: first !== second && second !== '', acked };
  },

  /** A server that takes the WebSocket but never answers the HELLO: each attempt fails with CONNECT_TIMEOUT, and the client keeps trying. */
  async sessionSilentServer(p) {
    const failed: string[] = [];
    const client = sessionClient<unknown, unknown>(p['url'] as string, {
      codec: jsonCodec(),
      attemptTimeout: 300,
      backoff: exponentialBackoff({ initial: 20, max: 50 }),
      onStatus: (s: SessionClientStatus) => void (s.type === 'failed' && failed.push(s.error.code)),
    });
    const queued = client.send({ kept: true });
    for (let k = 0; k < 1000 && failed.length < 3; k++) await sleep(10);
    const connected = client.connected;
    await client.close();
    return { failed: failed.slice(0, 3), queued, connected };
  },

  /** Bad input from a session server: an envelope that breaks the protocol ends the session with a typed error. */
  async sessionBadServer(p) {
    const ended: string[] = [];
    const client = sessionClient<unknown, unknown>(p['url'] as string, {
      codec: jsonCodec(),
      backoff: exponentialBackoff({ initial: 50, max: 300 }),
      session: { onEnd: (_s, e) => void ended.push(e?.code ?? 'none') },
    });
    const error = await client.ended;
    const after = client.send({ late: true });
    return { ended, error: error?.code ?? null, after };
  },
};

function statusText(s: SessionClientStatus): string {
  if (s.type === 'session') return `session:${s.resumed ? 'resumed' : 'new'}${s.lost ? ':' + s.lost.code : ''}`;
  if (s.type === 'disconnected') return `disconnected:${s.info.error?.code ?? s.info.code}`;
  return s.type;
}

/** The page / child entry: runs one scenario; a thrown error comes back as `{ thrown }`. */
export async function run(name: string, params: Params): Promise<Json> {
  const s = scenarios[name];
  if (!s) return { thrown: `no scenario ${name}` };
  try {
    return await s(params);
  } catch (e) {
    return { thrown: isSwitchboardError(e) ? `${e.code}: ${e.message}` : String((e as Error)?.stack ?? e) };
  }
}
