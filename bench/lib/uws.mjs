// The uWebSockets.js server as a baseline (issue 15): `@trufflesuite/uws-js-unofficial`, a
// devDependency of the benchmark only (never of the package). It ships native binaries per Node
// ABI; where there is none for this Node (or the package is not installed), the uWS rows are
// skipped and the report says why. The package's own entry point silently falls back to a
// JavaScript polyfill built on `ws` when its binary does not load: benchmarking that as "uWS"
// would be wrong, so the binary is loaded directly and nothing else is accepted.
//
//   const r = loadUws()  -> { uws, version } | { reason }
//
// Servers (behind the interfaces of echo.mjs and hubs.mjs):
//   uwsEchoServer()   echoes every message as it came (text or binary), one `send` per message
//   uwsHub()          broadcast, connections: every socket subscribes to one topic and a burst
//                     is `app.publish` k times (uWS's own broadcast: one frame, many sockets)
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const PKG = '@trufflesuite/uws-js-unofficial';

let loaded;
/** The native uWebSockets.js module, or why it is not available here. Never throws. */
export function loadUws() {
  if (loaded) return loaded;
  if (process.env.BENCH_NO_UWS === '1') return (loaded = { reason: 'BENCH_NO_UWS=1 is set' });
  let dir;
  let version;
  try {
    const pj = require.resolve(`${PKG}/package.json`);
    dir = dirname(pj);
    version = require(pj).version;
  } catch {
    return (loaded = { reason: `${PKG} is not installed (an optional devDependency of the benchmark)` });
  }
  const file = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  try {
    loaded = { uws: require(join(dir, 'binaries', file)), version: `${PKG}@${version}` };
  } catch (e) {
    const why = e?.code === 'MODULE_NOT_FOUND' ? `it has no binary ${file} (Node ${process.version}, ABI ${process.versions.modules})` : String(e?.message ?? e).split('\n')[0];
    loaded = { reason: `${PKG}@${version} does not load here: ${why}` };
  }
  return loaded;
}

function need() {
  const r = loadUws();
  if (!r.uws) throw new Error(r.reason);
  return r.uws;
}

const BIG = 256 * 1024 * 1024;
/** Backpressure allowed per socket before uWS drops: a pipelined window of 1000 x 1 MiB must fit (uWS keeps it as an unsigned int). */
const BACKPRESSURE = 2 ** 31 - 1;

function listen(app) {
  const uws = need();
  return new Promise((resolve, reject) => {
    app.listen('127.0.0.1', 0, (token) => (token ? resolve(uws.us_socket_local_port(token)) : reject(new Error('uWS could not listen on 127.0.0.1'))));
  });
}

/**
 * An echo server as uWS's examples write it: `ws.send(message, isBinary)` from the message
 * handler. Backpressure is only bounded by `maxBackpressure` (raised so that a burst is queued,
 * not dropped, as the other echo servers do); `compression`: permessage-deflate (uWS.SHARED_COMPRESSOR).
 */
export async function uwsEchoServer({ compression = false } = {}) {
  const uws = need();
  let failed = false;
  const app = uws.App().ws('/*', {
    compression: compression ? uws.SHARED_COMPRESSOR : uws.DISABLED,
    maxPayloadLength: BIG,
    maxBackpressure: BACKPRESSURE,
    idleTimeout: 0,
    message: (ws, message, isBinary) => {
      // 2: dropped over maxBackpressure. An echo that drops is not comparable: the run fails.
      if (ws.send(message, isBinary, compression) === 2 && !failed) {
        failed = true;
        process.send?.({ type: 'error', error: 'uWS dropped a reply (over maxBackpressure)' });
      }
    },
  });
  const port = await listen(app);
  return { url: `ws://127.0.0.1:${port}/bench` };
}

/** Broadcast, connections: a hub (see hubs.mjs) on uWS; every socket subscribes to one topic. */
export async function uwsHub() {
  const uws = need();
  const socks = new Set();
  const hub = { problems: 0 };
  const app = uws.App().ws('/*', {
    compression: uws.DISABLED,
    maxPayloadLength: 16 * 1024,
    // The bench's broadcaster waits while any socket has more than its high-water mark queued.
    maxBackpressure: BACKPRESSURE,
    idleTimeout: 0,
    open: (ws) => {
      ws.subscribe('all');
      socks.add(ws);
    },
    message: (ws, message, isBinary) => ws.send(message, isBinary),
    close: (ws) => socks.delete(ws),
  });
  const port = await listen(app);
  return Object.assign(hub, {
    url: `ws://127.0.0.1:${port}/bench`,
    kind: 'ws',
    count: () => socks.size,
    maxQueued() {
      let m = 0;
      for (const s of socks) {
        const b = s.getBufferedAmount();
        if (b > m) m = b;
      }
      return m;
    },
    burst(payload, k) {
      for (let i = 0; i < k; i++) app.publish('all', payload, true);
    },
  });
}
