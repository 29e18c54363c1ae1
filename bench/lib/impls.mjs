// The implementations of every scenario, in the order of the report: [id, label, divisor id].
// The divisor is what the row's ratios divide by, and the report names it in every row; a row
// without one is a baseline. Used by bench/run.mjs and by bench/update-readme.mjs (which takes
// labels and divisors from here, so a fixed divisor applies to the figures of the last run).
//
// Rule: a row divides by the baseline of its own kind. TCP rows divide by raw node:net, Unix rows
// by raw node:net on a Unix socket, `ws` variants by raw net, and Switchboard WebSocket by `ws`
// (what its users would otherwise write). Our compressed rows divide by `ws` with
// permessage-deflate. The uWebSockets.js server (`uws`, bench/lib/uws.mjs) is a baseline of its
// own, measured with Switchboard's client; the report adds our WebSocket divided by it under
// each table (UWS_LINES). Its rows are left out, with the reason, where its binary does not load.

/** Implementations per scenario, in the order of the report; `base` is what the ratio divides by. */
export const IMPLS = {
  pingpong: [
    ['raw-net', 'raw net (TCP)'],
    ['sb-lines', 'Switchboard TCP lines', 'raw-net'],
    ['sb-length', 'Switchboard TCP length prefix', 'raw-net'],
    ['raw-unix', 'raw net (Unix socket)'],
    ['sb-unix', 'Switchboard Unix lines', 'raw-unix'],
    ['ws', 'ws', 'raw-net'],
    ['sb-ws', 'Switchboard WebSocket', 'ws'],
    ['uws', 'uWebSockets.js server (Switchboard client)'],
  ],
  // Client round trips (issue 15 item 3, Autobahn 9.7.x): one small text message in flight, the
  // same server for every row of a case (ws's, or Switchboard's with its default codec), the
  // client is what differs.
  'client-rtt': [
    ['ws-text', 'ws client'],
    ['sb-ws-text', 'Switchboard client, default codec (text as strings)', 'ws-text'],
    ['sb-ws', 'Switchboard client, bytesCodec (binary)', 'ws-text'],
  ],
  // Latency by message size: one message in flight. The CLI rows run `switchboard listen --echo`
  // (default codec) and are measured with the ws client, like the ws row.
  latency: [
    ['ws', 'ws'],
    ['sb-ws', 'Switchboard WebSocket', 'ws'],
    ['sb-cli', 'switchboard listen --echo --quiet (ws client)', 'ws'],
    ['sb-cli-print', 'switchboard listen --echo, printing (ws client)', 'ws'],
    ['uws', 'uWebSockets.js server (Switchboard client)'],
  ],
  // A burst sent at once to an echo server: every message must come back, memory bounded.
  burst: [
    ['ws', 'ws'],
    ['sb-ws', 'Switchboard WebSocket, send and go on', 'ws'],
    ['sb-ws-bp', 'Switchboard WebSocket, onReceive returns drained() when backpressured', 'ws'],
    ['sb-cli', 'switchboard listen --echo --quiet (ws client)', 'ws'],
    ['uws', 'uWebSockets.js server (Switchboard client)'],
  ],
  pipelined: [
    ['raw-net', 'raw net, one write per message', 'raw-cork'],
    ['raw-cork', 'raw net, cork-batched (the limit)'],
    ['sb-lines', 'Switchboard TCP lines', 'raw-cork'],
    ['sb-length', 'Switchboard TCP length prefix', 'raw-cork'],
    ['sb-lines-rawclient', 'Switchboard TCP lines server, raw net client (cork-batched)', 'raw-cork'],
    ['ws', 'ws + bufferutil', 'raw-cork'],
    ['ws-cork', 'ws + bufferutil, corked per batch', 'raw-cork'],
    ['ws-nobu', 'ws without bufferutil', 'ws'],
    ['sb-ws', 'Switchboard WebSocket', 'ws'],
    ['sb-ws-js', 'Switchboard WebSocket, portable masking', 'ws'],
    ['sb-ws-wsclient', 'Switchboard WebSocket server, ws client', 'ws'],
    ['ws-deflate', 'ws + permessage-deflate (its defaults)', 'ws'],
    ['sb-ws-deflate', 'Switchboard WebSocket + deflate', 'ws-deflate'],
    ['uws', 'uWebSockets.js server (Switchboard client)'],
    // Issue 15 item 7: the CLI's default codec against --codec bytes, with binary and text frames.
    ['sb-cli-bytes', 'switchboard listen --echo --quiet --codec bytes (ws client)', 'ws'],
    ['sb-cli', 'switchboard listen --echo --quiet (ws client)', 'sb-cli-bytes'],
    ['sb-cli-text', 'switchboard listen --echo --quiet (ws client sending text)', 'sb-cli-bytes'],
  ],
  // Sessions cost: the same pipelined echo with and without a session, in the same run.
  sessions: [
    ['sb-length', 'Switchboard TCP length prefix'],
    ['sb-length-session', 'Switchboard TCP length prefix, in a session', 'sb-length'],
    ['sb-ws', 'Switchboard WebSocket'],
    ['sb-ws-session', 'Switchboard WebSocket, in a session', 'sb-ws'],
  ],
  broadcast: [
    ['raw-net', 'raw net (one write per client per burst)'],
    ['sb-lines', 'Switchboard TCP lines', 'raw-net'],
    ['ws', 'ws (one send per message per client)', 'raw-net'],
    ['ws-cork', 'ws, corked per batch (framed once, one write per client per burst)', 'raw-net'],
    ['sb-ws', 'Switchboard WebSocket', 'ws'],
    ['uws', 'uWebSockets.js (app.publish per message, all sockets on one topic)', 'raw-net'],
  ],
  connections: [
    ['raw-net', 'raw net (TCP)'],
    ['sb-lines', 'Switchboard TCP', 'raw-net'],
    ['ws', 'ws', 'raw-net'],
    ['sb-ws', 'Switchboard WebSocket', 'ws'],
    ['uws', 'uWebSockets.js', 'raw-net'],
  ],
  // Issue 14: the cost of the diagnostics channels. The baseline is this very build with every
  // guarded publish line removed (bench/lib/strip-diagnostics.mjs), so the ratio is their cost alone.
  diagnostics: [
    ['sb-lines-nodiag', 'Switchboard TCP lines, publish calls stripped out'],
    ['sb-lines', 'Switchboard TCP lines, nobody subscribed', 'sb-lines-nodiag'],
    ['sb-lines-noop', 'Switchboard TCP lines, a no-op subscriber on every channel', 'sb-lines-nodiag'],
  ],
  idle: [
    ['raw-net', 'raw net + hand-written reconnect loop'],
    ['sb-lines', 'Switchboard TCP + permanentClient', 'raw-net'],
    ['ws', 'ws + hand-written reconnect loop', 'raw-net'],
    ['sb-ws', 'Switchboard WebSocket + permanentClient', 'ws'],
  ],
};

/** Rows whose WebSocket figures the report also divides by the uWebSockets.js row (same scenario, same case). */
export const UWS_LINES = ['sb-ws'];
