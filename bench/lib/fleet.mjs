// Many lightweight client connections, for the scenarios that measure a server: broadcast
// (count what arrives), connections and idle (just hold the link open).
//
// They are hand-written and the same for every server under test, so the number reflects the
// server: a line client counts '\n' bytes; a WebSocket client does the opening handshake by hand
// and then only walks frame headers (server frames are unmasked) to count messages.
import net from 'node:net';
import { performance } from 'node:perf_hooks';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ=='; // RFC 6455 1.3's sample key: fine for a benchmark

/** Counts '\n'-terminated messages in a byte stream. */
function lineCounter() {
  const c = { count: 0, feed: null };
  c.feed = (chunk) => {
    let i = chunk.indexOf(10);
    while (i >= 0) {
      c.count++;
      i = chunk.indexOf(10, i + 1);
    }
  };
  return c;
}

/** Counts complete WebSocket data messages (FIN set) in a stream of unmasked server frames. */
function wsCounter() {
  const hdr = Buffer.alloc(14);
  let hdrLen = 0;
  let need = 2;
  let left = 0; // payload bytes of the current frame still to skip
  let countThis = false;
  const c = { count: 0, feed: null };
  c.feed = (chunk) => {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (left > 0) {
        const take = Math.min(left, n - i);
        left -= take;
        i += take;
        if (left === 0 && countThis) c.count++;
        continue;
      }
      hdr[hdrLen++] = chunk[i++];
      if (hdrLen === 2) {
        const len7 = hdr[1] & 0x7f;
        need = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (hdr[1] & 0x80 ? 4 : 0);
      }
      if (hdrLen >= 2 && hdrLen === need) {
        const len7 = hdr[1] & 0x7f;
        let len = len7;
        if (len7 === 126) len = hdr.readUInt16BE(2);
        else if (len7 === 127) len = Number(hdr.readBigUInt64BE(2));
        const opcode = hdr[0] & 0x0f;
        countThis = (hdr[0] & 0x80) !== 0 && opcode < 8; // FIN of a data message
        hdrLen = 0;
        need = 2;
        left = len;
        if (len === 0 && countThis) c.count++;
      }
    }
  };
  return c;
}

/**
 * Opens one connection: `lines` is a plain TCP connection, `ws` a WebSocket upgraded by hand.
 * `onChunk` (optional) sees every byte after the handshake.
 */
export function openOne(url, kind, onChunk) {
  const u = new URL(url);
  const port = Number(u.port);
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: u.hostname });
    const fail = (e) => {
      s.destroy();
      reject(e);
    };
    s.once('error', fail);
    if (kind === 'lines') {
      s.once('connect', () => {
        s.removeListener('error', fail);
        s.on('error', () => {});
        if (onChunk) s.on('data', onChunk);
        else s.resume();
        resolve(s);
      });
      return;
    }
    let head = Buffer.alloc(0);
    const onHead = (chunk) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      if (!head.subarray(0, 12).toString('latin1').startsWith('HTTP/1.1 101')) return fail(new Error(`upgrade refused: ${head.subarray(0, 40).toString('latin1')}`));
      s.removeListener('data', onHead);
      s.removeListener('error', fail);
      s.on('error', () => {});
      const rest = head.subarray(end + 4);
      if (onChunk) {
        if (rest.length > 0) onChunk(rest);
        s.on('data', onChunk);
      } else s.resume();
      resolve(s);
    };
    s.on('data', onHead);
    s.once('connect', () => {
      s.write(
        `GET ${u.pathname || '/'} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
  });
}

/**
 * Opens `n` connections, at most `concurrency` connecting at once (a listen backlog of 511 is
 * never overrun, so no SYN is dropped and retried a second later). With `count`, every
 * connection counts the messages it receives.
 */
export async function openMany(url, kind, n, { concurrency = 128, count = false, stats = { lastAt: 0 } } = {}) {
  const conns = [];
  const errors = [];
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      const counter = count ? (kind === 'ws' ? wsCounter() : lineCounter()) : undefined;
      try {
        const feed = counter
          ? (chunk) => {
              counter.feed(chunk);
              stats.lastAt = performance.now(); // when the last byte so far arrived
            }
          : undefined;
        const sock = await openOne(url, kind, feed);
        conns.push({ sock, counter });
      } catch (e) {
        errors.push(e.code ?? e.message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return { conns, errors };
}
