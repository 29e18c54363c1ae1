// Echo servers and clients of every implementation under test, behind one small interface:
//
//   server(params)                    -> { url }            echoes every message back
//   client(url, params, onMessage)    -> { send(payload), batch(fn) }
//
// `batch(fn)` runs `fn` (which sends many messages) as one batch: the cork-batched raw baseline
// and "ws, corked per batch" cork the socket around it; everything else just calls it
// (Switchboard coalesces by itself; ws has no batching API, and its idiomatic use is one `send`
// per message). The client side calls `onMessage(msg)` for every reply.
//
// The raw baselines are written to be as fast as node:net allows:
//   - replies are cut from socket chunks with Buffer#indexOf and delivered as views (no copy);
//   - a message split across chunks is joined once (no quadratic re-concatenation);
//   - the echo server writes the received frame (payload + '\n') back as the same view;
//   - a small outgoing message is framed with one pooled allocation (payload + '\n'), a large one
//     as two buffers in one corked write (writev), so every message is exactly one write.
import net from 'node:net';
import { unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import diagnostics_channel from 'node:diagnostics_channel';
import { uwsEchoServer } from './uws.mjs';

const NL = Buffer.from('\n');
const SMALL = 16 * 1024;

/** Bytes a Switchboard connection may queue before `send` drops (the bench windows are bounded instead). */
const SB_MAX_QUEUED = 4 * 1024 * 1024 * 1024;

// ------------------------------------------------------------------ raw node:net, newline framing

/** Cuts '\n'-terminated messages out of chunks; deliver(payload, frameOrNull). */
export function lineSplitter(deliver) {
  let parts = null;
  let partLen = 0;
  return (chunk) => {
    let start = 0;
    let idx = chunk.indexOf(10);
    if (parts !== null) {
      if (idx < 0) {
        parts.push(chunk);
        partLen += chunk.length;
        return;
      }
      parts.push(chunk.subarray(0, idx));
      const msg = Buffer.concat(parts, partLen + idx);
      parts = null;
      partLen = 0;
      deliver(msg, null);
      start = idx + 1;
      idx = chunk.indexOf(10, start);
    }
    while (idx >= 0) {
      deliver(chunk.subarray(start, idx), chunk.subarray(start, idx + 1));
      start = idx + 1;
      idx = chunk.indexOf(10, start);
    }
    if (start < chunk.length) {
      parts = [chunk.subarray(start)];
      partLen = chunk.length - start;
    }
  };
}

/** One message = one socket write. */
function rawSend(sock, payload) {
  const n = payload.length;
  if (n < SMALL) {
    const b = Buffer.allocUnsafe(n + 1);
    payload.copy(b, 0);
    b[n] = 10;
    sock.write(b);
  } else {
    sock.cork();
    sock.write(payload);
    sock.write(NL);
    sock.uncork();
  }
}

/** Feeds each chunk to `split`; with `cork`, replies written while splitting leave as one write. */
function readLines(sock, split, cork) {
  sock.on('error', () => {});
  sock.on(
    'data',
    cork
      ? (chunk) => {
          sock.cork();
          split(chunk);
          sock.uncork();
        }
      : split,
  );
}

function rawImpl({ cork, unix }) {
  return {
    async server() {
      const path = unix ? join(tmpdir(), `sb-bench-${process.pid}-${Date.now()}.sock`) : undefined;
      const srv = net.createServer({ noDelay: true }, (sock) => {
        sock.setNoDelay(true);
        const split = lineSplitter((msg, frame) => (frame ? sock.write(frame) : rawSend(sock, msg)));
        readLines(sock, split, cork);
      });
      await new Promise((resolve, reject) => {
        srv.once('error', reject);
        if (path) srv.listen(path, resolve);
        else srv.listen(0, '127.0.0.1', resolve);
      });
      if (path) process.on('exit', () => { try { unlinkSync(path); } catch {} });
      return { url: path ? `unix://${path}` : `tcp://127.0.0.1:${srv.address().port}` };
    },
    async client(url, _params, onMessage) {
      const u = new URL(url);
      const sock = await new Promise((resolve, reject) => {
        const s = u.protocol === 'unix:' ? net.connect(u.pathname) : net.connect(Number(u.port), u.hostname);
        s.once('connect', () => resolve(s));
        s.once('error', reject);
      });
      sock.setNoDelay(true);
      readLines(sock, lineSplitter((msg) => onMessage(msg)), cork);
      return {
        send: (payload) => rawSend(sock, payload),
        batch: cork
          ? (fn) => {
              sock.cork();
              fn();
              sock.uncork();
            }
          : (fn) => fn(),
      };
    },
  };
}

// ------------------------------------------------------------------ ws (npm)

/**
 * Corks `sock` while each chunk it reads is handled: ws parses a chunk and emits its messages
 * synchronously, so the replies sent from those handlers leave as one write (as the cork-batched
 * raw baseline's do). ws reaches the socket through `ws._socket`; its own 'data' listener was
 * added when the socket was attached, so ours go before and after it.
 */
function corkPerChunk(sock) {
  sock.prependListener('data', () => sock.cork());
  sock.on('data', () => sock.uncork());
}

/**
 * A `send` that takes the bench's Buffer payload and sends it as a string (text messages): the
 * string is made once per distinct payload, as an application holds its text.
 */
function asText(send) {
  let last;
  let text;
  return (payload) => {
    if (payload !== last) {
      last = payload;
      text = payload.toString('latin1');
    }
    return send(text);
  };
}

/**
 * `ws` as its README shows it: one `ws.send` per message. With `cork`, "ws, corked per batch":
 * the same sends, with the socket corked around each batch the client sends and around the
 * replies to each chunk read (both sides), as the raw cork-batched baseline does. With
 * `deflate`, permessage-deflate on both sides with ws's defaults (its 1 KiB threshold applies only
 * without context takeover, so it compresses every message). With `text`, the client sends text
 * messages (strings).
 */
function wsImpl({ cork = false, deflate = false, text = false } = {}) {
  return {
    async server(params) {
      const { WebSocketServer } = await import('ws');
      const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: deflate, maxPayload: 256 * 1024 * 1024 });
      wss.on('connection', (ws) => {
        ws.on('error', () => {});
        ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary, compress: deflate }));
        if (cork) corkPerChunk(ws._socket);
      });
      await new Promise((resolve) => wss.once('listening', resolve));
      return { url: `ws://127.0.0.1:${wss.address().port}/bench` };
    },
    async client(url, _params, onMessage) {
      const { WebSocket } = await import('ws');
      const ws = new WebSocket(url, { perMessageDeflate: deflate, maxPayload: 256 * 1024 * 1024 });
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      if (deflate && !ws.extensions.includes('permessage-deflate')) throw new Error('ws: permessage-deflate was not negotiated');
      ws.on('error', () => {});
      ws.on('message', (data) => onMessage(data));
      const opts = { binary: !text, compress: deflate };
      const send = text ? asText((t) => ws.send(t, opts)) : (payload) => ws.send(payload, opts);
      if (!cork) return { send, batch: (fn) => fn() };
      const sock = ws._socket;
      corkPerChunk(sock);
      return {
        send,
        batch: (fn) => {
          sock.cork();
          fn();
          sock.uncork();
        },
      };
    },
  };
}

// ------------------------------------------------------------------ Switchboard

let sbModule;
/** This build with the guarded publish lines removed (bench/lib/strip-diagnostics.mjs). */
export const NODIAG_DIST = fileURLToPath(new URL('../.build/nodiag/', import.meta.url));
/** The package under test: ../../dist, or for the `-b` variants the build in BENCH_DIST_B (an A/B comparison). */
async function sbLoad(variantB = false, dist = undefined) {
  if (dist) return import(pathToFileURL(join(resolve(dist), 'index.js')).href);
  if (variantB) return import(pathToFileURL(join(resolve(process.env.BENCH_DIST_B), 'index.js')).href);
  sbModule ??= await import('../../dist/index.js');
  return sbModule;
}

/**
 * `framing`: 'lines' | 'length' | 'ws'. Messages are bytes (`bytesCodec()` with its defaults, as
 * a user would write it: received frames are handed out as views, like node:net and ws do).
 */
function sbImpl({ framing, unix = false, compression = false, variantB = false, session = false, dist = undefined, noop = false, backpressure = false, text = false }) {
  const sb = async (b = variantB) => {
    const m = await sbLoad(b, dist);
    if (noop) subscribeNoop(m);
    return m;
  };
  const options = async (extra) => {
    const m = await sb();
    const base = { maxQueuedBytes: SB_MAX_QUEUED, ...extra };
    // BENCH_SB_COPY=1 (diagnosis only, never in the report): every received frame is copied.
    // `text`: the default WebSocket codec (text frames as strings, binary as bytes), as `connect(url)` gives.
    if (text) return { ...base, websocket: { compression } };
    const codec = m.bytesCodec({ copy: process.env.BENCH_SB_COPY === '1' });
    if (framing === 'ws') return { ...base, codec, websocket: { compression } };
    const f = framing === 'lines' ? m.lines() : m.lengthPrefix({ width: 4 });
    return { ...base, protocol: { framing: f, codec } };
  };
  return {
    async server() {
      const m = await sb();
      const url = framing === 'ws' ? 'ws://127.0.0.1:0/bench' : unix ? `unix://${join(tmpdir(), `sb-bench-${process.pid}-${Date.now()}.sock`)}` : 'tcp://127.0.0.1:0';
      let failed = false;
      const fail = (error) => {
        if (failed) return;
        failed = true;
        process.send?.({ type: 'error', error });
      };
      if (session) {
        // The same echo inside a session: numbered, retained until acknowledged, acknowledged in batches.
        const server = await m.listen(
          url,
          await options({
            session: {
              onMessage: (s, msg) => {
                const st = s.send(msg);
                if (st === 'dropped' || st === 'closed') fail(`server session send returned ${st}`);
              },
              onEnd: (_s, err) => err && err.code !== 'CONNECTION_RESET' && fail(`server session ended: ${err.code}: ${err.message}`),
            },
          }),
        );
        return { url: server.url };
      }
      const server = await m.listen(
        url,
        await options({
          callbacks: {
            onReceive: (conn, msg) => {
              const s = conn.send(msg);
              if ((s === 'dropped' || s === 'closed') && !failed) {
                failed = true;
                process.send?.({ type: 'error', error: `server send returned ${s}` });
              }
              // The documented backpressure (docs/connections.md): no more reading until there is room.
              if (s === 'backpressured' && backpressure) return conn.drained();
            },
            onFail: (err) => {
              if (!failed && err.code !== 'CONNECTION_RESET') {
                failed = true;
                process.send?.({ type: 'error', error: `server: ${err.code}: ${err.message}` });
              }
            },
          },
        }),
      );
      if (unix) process.on('exit', () => { try { unlinkSync(server.address.path); } catch {} });
      return { url: server.url };
    },
    async client(url, _params, onMessage) {
      const m = await sb();
      if (session) {
        const s = await m.connect(url, await options({ session: { onMessage: (_s, msg) => onMessage(msg) } }));
        return {
          send: (payload) => {
            const st = s.send(payload);
            if (st === 'dropped' || st === 'closed') throw new Error(`client session send returned ${st}`);
          },
          batch: (fn) => fn(),
        };
      }
      // A connection that fails (bad bytes from the server, a reset) fails the run at once,
      // instead of the client waiting for replies that will not come.
      const onFail = (err) => process.send?.({ type: 'error', error: `client: ${err.code}: ${err.message}` });
      const conn = await m.connect(url, await options({ callbacks: { onReceive: (_c, msg) => onMessage(msg), onFail } }));
      if (compression && conn.meta?.compression === false) throw new Error('Switchboard: permessage-deflate was not negotiated');
      const send = (payload) => {
        const s = conn.send(payload);
        if (s === 'dropped' || s === 'closed') throw new Error(`client send returned ${s}`);
      };
      return { send: text ? asText(send) : send, batch: (fn) => fn() };
    },
  };
}

let subscribed = false;
/** A no-op subscriber on every diagnostics channel (and the request tracing channels) of the package. */
function subscribeNoop(m) {
  if (subscribed) return;
  subscribed = true;
  const noop = () => {};
  for (const name of Object.values(m.ChannelName)) diagnostics_channel.subscribe(name, noop);
  diagnostics_channel.tracingChannel(m.REQUEST_TRACING).subscribe({ start: noop, end: noop, asyncStart: noop, asyncEnd: noop, error: noop });
}

// ------------------------------------------------------------------ the switchboard CLI

/**
 * `switchboard listen ws://127.0.0.1:0 --echo` as a user runs it (the default `message` codec),
 * in a child process of the server worker; clients are `ws` clients. `print`: without `--quiet`,
 * every message is printed to a pipe this process reads and throws away.
 */
function cliImpl({ print = false, codec = undefined, text = false } = {}) {
  const ws = wsImpl({ text });
  return {
    async server() {
      const { spawn } = await import('node:child_process');
      const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cli', 'bin.js');
      const big = String(256 * 1024 * 1024);
      const args = [bin, 'listen', 'ws://127.0.0.1:0', '--echo', '--ws-max-message-size', big, '--ws-max-frame-size', big, ...(print ? [] : ['--quiet']), ...(codec ? ['--codec', codec] : [])];
      const child = spawn(process.execPath, args, { stdio: ['ignore', print ? 'pipe' : 'ignore', 'pipe'] });
      child.stdout?.on('data', () => {});
      process.on('exit', () => child.kill('SIGKILL'));
      const url = await new Promise((resolve, reject) => {
        let err = '';
        child.stderr.on('data', (d) => {
          err += d;
          const m = /listening on (\S+)/.exec(err);
          if (m) resolve(m[1]);
        });
        child.once('exit', (code) => reject(new Error(`switchboard listen exited (${code}): ${err.trim()}`)));
      });
      return { url, pid: child.pid };
    },
    client: ws.client,
  };
}

/** Every echo implementation by id. */
export const echoImpls = {
  'raw-net': rawImpl({ cork: false }),
  'raw-cork': rawImpl({ cork: true }),
  'raw-unix': rawImpl({ cork: false, unix: true }),
  'sb-lines': sbImpl({ framing: 'lines' }),
  'sb-length': sbImpl({ framing: 'length' }),
  // The Switchboard lines server measured with the cork-batched raw client: the server alone
  // against the raw pair (each sb row pairs our server with our client).
  'sb-lines-rawclient': { server: sbImpl({ framing: 'lines' }).server, client: rawImpl({ cork: true }).client },
  'sb-unix': sbImpl({ framing: 'lines', unix: true }),
  ws: wsImpl(),
  // The Switchboard WebSocket server (bytes, in the worker like the other rows) measured with
  // ws's client: the server alone against ws's pair.
  'sb-ws-wsclient': { server: sbImpl({ framing: 'ws' }).server, client: wsImpl().client },
  'ws-cork': wsImpl({ cork: true }),
  'ws-deflate': wsImpl({ deflate: true }),
  // Client round trips (bench "client-rtt"): text messages, as Autobahn's 9.7.x cases send them.
  'ws-text': wsImpl({ text: true }),
  'sb-ws-text': sbImpl({ framing: 'ws', text: true }),
  // uWebSockets.js (bench/lib/uws.mjs): its server, measured with Switchboard's client (the
  // fastest client here, so the server is what is compared with Switchboard's server).
  uws: { server: () => uwsEchoServer(), client: sbImpl({ framing: 'ws' }).client },
  'ws-nobu': wsImpl(),
  'sb-ws': sbImpl({ framing: 'ws' }),
  'sb-ws-js': sbImpl({ framing: 'ws' }), // run with SWITCHBOARD_NO_BUFFERUTIL=1 (bench/run.mjs)
  'sb-ws-deflate': sbImpl({ framing: 'ws', compression: true }),
  // Sessions (bench "sessions" scenario): divided by the same transport without a session.
  'sb-length-session': sbImpl({ framing: 'length', session: true }),
  'sb-ws-session': sbImpl({ framing: 'ws', session: true }),
  'sb-ws-bp': sbImpl({ framing: 'ws', backpressure: true }),
  'sb-cli': cliImpl(),
  'sb-cli-print': cliImpl({ print: true }),
  'sb-cli-text': cliImpl({ text: true }),
  'sb-cli-bytes': cliImpl({ codec: 'bytes' }),
  // A/B: the same with the build in BENCH_DIST_B (bench/run.mjs adds them when it is set).
  'sb-lines-b': sbImpl({ framing: 'lines', variantB: true }),
  'sb-length-b': sbImpl({ framing: 'length', variantB: true }),
  'sb-ws-b': sbImpl({ framing: 'ws', variantB: true }),
  'sb-length-session-b': sbImpl({ framing: 'length', session: true, variantB: true }),
  'sb-ws-session-b': sbImpl({ framing: 'ws', session: true, variantB: true }),
  // Diagnostics cost (bench/run.mjs builds the stripped copy before the scenario runs).
  'sb-lines-nodiag': sbImpl({ framing: 'lines', dist: NODIAG_DIST }),
  'sb-lines-noop': sbImpl({ framing: 'lines', noop: true }),
};
