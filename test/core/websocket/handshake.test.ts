/**
 * The opening handshake (RFC 6455 4) and the HTTP head reader: request and response formats,
 * every HTTP error answer, head limits, bytes after the head, and both ends checking each other.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/core/index.js';
import {
  ClientHandshake,
  HandshakeError,
  ServerHandshake,
  acceptKey,
  base64Decode,
  base64Encode,
  generateKey,
  httpErrorResponse,
  requestHeadReader,
  responseHeadReader,
  type ServerHandshakeOptions,
  type ServerHandshakeResult,
} from '../../../src/core/websocket/index.js';
import { everySplit } from '../../helpers/split.js';
import { cat, random, sha1, utf8 } from './ws-helpers.js';

const latin1 = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

/** A request head from lines (CRLF added). */
const request = (...lines: string[]): Uint8Array => utf8(lines.map((l) => l + '\r\n').join('') + '\r\n');

const goodLines = [
  'GET /chat HTTP/1.1',
  'Host: server.example.com',
  'Upgrade: websocket',
  'Connection: Upgrade',
  `Sec-WebSocket-Key: ${KEY}`,
  'Sec-WebSocket-Version: 13',
];

/** The good request with header `name` replaced by `value` (removed when `value` is null). */
function withHeader(name: string, value: string | null): Uint8Array {
  const lines = goodLines.filter((l) => !l.toLowerCase().startsWith(name.toLowerCase() + ':'));
  if (value !== null) lines.push(`${name}: ${value}`);
  return request(...lines);
}

function serve(bytes: Uint8Array, options: Partial<ServerHandshakeOptions> = {}): ServerHandshakeResult {
  const hs = new ServerHandshake({ sha1, ...options });
  const r = hs.receive(bytes.slice());
  assert.ok(r !== undefined, 'a whole head gives a result');
  return r;
}

interface Answer {
  status: number;
  headers: Map<string, string>;
  body: string;
}

/** Parses an HTTP answer written by the server. */
function parseAnswer(bytes: Uint8Array): Answer {
  const s = latin1(bytes);
  const end = s.indexOf('\r\n\r\n');
  assert.ok(end > 0, 'the answer has a head');
  const [statusLine, ...lines] = s.slice(0, end).split('\r\n');
  const m = /^HTTP\/1\.1 (\d{3}) /.exec(statusLine!);
  assert.ok(m, `status line ${statusLine}`);
  const headers = new Map<string, string>();
  for (const l of lines) {
    const i = l.indexOf(':');
    headers.set(l.slice(0, i).toLowerCase(), l.slice(i + 1).trim());
  }
  return { status: Number(m[1]), headers, body: s.slice(end + 4) };
}

/** The request must be refused with `status` and a proper error answer. */
function mustRefuse(bytes: Uint8Array, status: number, code: string, extra: Record<string, string> = {}, options: Partial<ServerHandshakeOptions> = {}): HandshakeError {
  const r = serve(bytes, options);
  assert.equal(r.ok, false, 'refused');
  assert.ok(!r.ok);
  assert.equal(r.error.code, code, r.error.message);
  assert.equal(r.error.status, status);
  const a = parseAnswer(r.response);
  assert.equal(a.status, status);
  assert.equal(a.headers.get('connection'), 'close');
  assert.equal(Number(a.headers.get('content-length')), Buffer.byteLength(a.body));
  // Never internal details: the body is the reason phrase only, not the error message.
  assert.match(a.body, /^[A-Za-z ]{2,40}\n$/, 'the body is the reason phrase only');
  assert.ok(!a.body.includes(r.error.message));
  for (const [k, v] of Object.entries(extra)) assert.equal(a.headers.get(k.toLowerCase()), v, k);
  return r.error;
}

describe('handshake keys (RFC 6455 1.3, 4.1)', () => {
  it('computes the accept value of the RFC example key', () => {
    assert.equal(acceptKey(KEY, sha1), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });
  it('makes keys of 16 random bytes in base64', () => {
    const k = generateKey(random);
    assert.equal(k.length, 24);
    assert.equal(base64Decode(k)?.length, 16);
    assert.notEqual(generateKey(random), k);
  });
  it('round-trips base64 of every length and refuses malformed base64', () => {
    for (let n = 0; n < 40; n++) {
      const b = random(n);
      const s = base64Encode(b);
      assert.equal(s, Buffer.from(b).toString('base64'));
      assert.deepEqual(base64Decode(s), b);
    }
    for (const bad of ['abc', 'ab=c', '====', 'ab!d', 'aGk', 'aGl=', 'aGk==', 'é123']) assert.equal(base64Decode(bad), undefined, bad);
  });
});

describe('client request (RFC 6455 4.1)', () => {
  it('writes the request line and the required header fields', () => {
    const hs = new ClientHandshake({ url: 'ws://server.example.com/chat?room=1', sha1, random });
    const lines = latin1(hs.request).split('\r\n');
    assert.equal(lines[0], 'GET /chat?room=1 HTTP/1.1');
    assert.ok(lines.includes('Host: server.example.com'));
    assert.ok(lines.includes('Upgrade: websocket'));
    assert.ok(lines.includes('Connection: Upgrade'));
    assert.ok(lines.includes(`Sec-WebSocket-Key: ${hs.key}`));
    assert.ok(lines.includes('Sec-WebSocket-Version: 13'));
    assert.ok(latin1(hs.request).endsWith('\r\n\r\n'));
    assert.deepEqual(hs.target, { host: 'server.example.com', port: 80, secure: false, path: '/chat?room=1' });
  });
  it('puts a non-default port in Host, and handles wss and IPv6', () => {
    const a = new ClientHandshake({ url: 'wss://[::1]:8443', sha1, random });
    assert.ok(latin1(a.request).startsWith('GET / HTTP/1.1\r\nHost: [::1]:8443\r\n'));
    assert.deepEqual(a.target, { host: '::1', port: 8443, secure: true, path: '/' });
    const b = new ClientHandshake({ url: 'wss://example.com:443/x', sha1, random });
    assert.match(latin1(b.request), /\r\nHost: example\.com\r\n/);
  });
  it('sends Origin, subprotocols, the permessage-deflate offer and extra headers', () => {
    const hs = new ClientHandshake({
      url: 'ws://h/',
      sha1,
      random,
      origin: 'https://app.example',
      subprotocols: ['v2.chat', 'v1.chat'],
      deflate: true,
      headers: { 'X-Trace': 'abc' },
    });
    const s = latin1(hs.request);
    assert.match(s, /\r\nOrigin: https:\/\/app\.example\r\n/);
    assert.match(s, /\r\nSec-WebSocket-Protocol: v2\.chat, v1\.chat\r\n/);
    assert.match(s, /\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n/);
    assert.match(s, /\r\nX-Trace: abc\r\n/);
  });
  it('turns URL user info into Authorization: Basic, %-decoded and UTF-8', () => {
    const hs = new ClientHandshake({ url: 'ws://al%C3%AFce:p%40ss:w@h/', sha1, random });
    const m = /\r\nAuthorization: Basic (\S+)\r\n/.exec(latin1(hs.request));
    assert.ok(m);
    assert.equal(Buffer.from(m[1]!, 'base64').toString('utf8'), 'alïce:p@ss:w');
    assert.ok(!latin1(hs.request).includes('p%40ss'), 'credentials are not in the request line');
  });
  it('refuses bad URLs and header injection', () => {
    const bad: Array<Partial<ConstructorParameters<typeof ClientHandshake>[0]>> = [
      { url: 'http://h/' },
      { url: 'ws://h/#frag' },
      { url: 'not a url' },
      { url: 'ws://h/', headers: { 'X-A': 'v\r\nInjected: 1' } },
      { url: 'ws://h/', headers: { 'Bad Name': 'v' } },
      { url: 'ws://h/', headers: { 'Sec-WebSocket-Key': 'x' } },
      { url: 'ws://h/', subprotocols: ['has space'] },
      { url: 'ws://h/', subprotocols: ['a', 'a'] },
      { url: 'ws://h/', origin: 'x\ny' },
    ];
    for (const o of bad) {
      assert.throws(() => new ClientHandshake({ sha1, random, url: 'ws://h/', ...o }), { code: ErrorCode.WS_INVALID_ARGUMENT }, JSON.stringify(o));
    }
  });
});

describe('server side (RFC 6455 4.2)', () => {
  it('answers the RFC example request with 101 and the accept value', () => {
    const r = serve(request(...goodLines, 'Origin: http://example.com', 'Sec-WebSocket-Protocol: chat, superchat'), { subprotocols: ['superchat', 'chat'] });
    assert.ok(r.ok);
    const a = parseAnswer(r.response);
    assert.equal(a.status, 101);
    assert.equal(a.headers.get('upgrade'), 'websocket');
    assert.equal(a.headers.get('connection'), 'Upgrade');
    assert.equal(a.headers.get('sec-websocket-accept'), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    // The client's order of preference decides.
    assert.equal(a.headers.get('sec-websocket-protocol'), 'chat');
    assert.equal(r.subprotocol, 'chat');
    assert.equal(r.request.origin, 'http://example.com');
    assert.equal(r.request.path, '/chat');
    assert.equal(a.body, '');
  });
  it('matches Upgrade and Connection case-insensitively, inside comma lists', () => {
    const r = serve(request('GET / HTTP/1.1', 'host: h', 'upgrade: WebSocket', 'connection: keep-alive, UPGRADE', `sec-websocket-key: ${KEY}`, 'sec-websocket-version: 13'));
    assert.ok(r.ok, !r.ok ? r.error.message : '');
  });
  it('reads a request fed in every split, and returns the bytes after it (early frames)', () => {
    const early = Uint8Array.of(0x81, 0x82, 1, 2, 3, 4, 0x69 ^ 1, 0x69 ^ 2);
    const wire = cat(request(...goodLines), early);
    for (const { name, chunks } of everySplit(wire, { threePieceMaxLength: 0 })) {
      const hs = new ServerHandshake({ sha1 });
      let r: ServerHandshakeResult | undefined;
      const after: Uint8Array[] = [];
      for (const c of chunks) {
        if (r === undefined) r = hs.receive(c.slice());
        else after.push(c);
      }
      assert.ok(r?.ok, name);
      assert.deepEqual(cat(r.rest, ...after), early, name);
    }
  });
  it('chooses no subprotocol when none matches, or what selectSubprotocol returns', () => {
    const req = request(...goodLines, 'Sec-WebSocket-Protocol: a', 'Sec-WebSocket-Protocol: b, c');
    const none = serve(req, { subprotocols: ['z'] });
    assert.ok(none.ok);
    assert.equal(parseAnswer(none.response).headers.has('sec-websocket-protocol'), false);
    const chosen = serve(req, { selectSubprotocol: (offered) => offered.at(-1) });
    assert.ok(chosen.ok);
    assert.equal(chosen.subprotocol, 'c');
    assert.deepEqual(chosen.request.subprotocols, ['a', 'b', 'c']);
  });
  it('negotiates permessage-deflate only when enabled', () => {
    const req = request(...goodLines, 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits');
    const off = serve(req);
    assert.ok(off.ok);
    assert.equal(off.deflate, undefined);
    assert.equal(parseAnswer(off.response).headers.has('sec-websocket-extensions'), false);
    const on = serve(req, { deflate: true });
    assert.ok(on.ok);
    assert.deepEqual(on.deflate, { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 });
    assert.equal(parseAnswer(on.response).headers.get('sec-websocket-extensions'), 'permessage-deflate');
  });
});

describe('server error answers', () => {
  it('405 with Allow: GET for another method', () => {
    mustRefuse(request('POST /chat HTTP/1.1', ...goodLines.slice(1)), 405, ErrorCode.WS_BAD_REQUEST, { Allow: 'GET' });
  });
  it('400 for HTTP/1.0', () => {
    mustRefuse(request('GET /chat HTTP/1.0', ...goodLines.slice(1)), 400, ErrorCode.WS_BAD_REQUEST);
  });
  it('400 for a target that is not a path', () => {
    mustRefuse(request('GET chat HTTP/1.1', ...goodLines.slice(1)), 400, ErrorCode.WS_BAD_REQUEST);
  });
  it('400 without Host, or with two', () => {
    mustRefuse(withHeader('Host', null), 400, ErrorCode.WS_BAD_REQUEST);
    mustRefuse(request(...goodLines, 'Host: other'), 400, ErrorCode.WS_BAD_REQUEST);
  });
  it('426 with Upgrade: websocket for a plain HTTP request (no Upgrade, or no Connection: Upgrade)', () => {
    mustRefuse(withHeader('Upgrade', null), 426, ErrorCode.WS_BAD_REQUEST, { Upgrade: 'websocket' });
    mustRefuse(withHeader('Upgrade', 'h2c'), 426, ErrorCode.WS_BAD_REQUEST, { Upgrade: 'websocket' });
    mustRefuse(withHeader('Connection', 'keep-alive'), 426, ErrorCode.WS_BAD_REQUEST, { Upgrade: 'websocket' });
  });
  it('426 with Sec-WebSocket-Version: 13 for another or no version', () => {
    mustRefuse(withHeader('Sec-WebSocket-Version', '8'), 426, ErrorCode.WS_UNSUPPORTED_VERSION, { 'Sec-WebSocket-Version': '13' });
    mustRefuse(withHeader('Sec-WebSocket-Version', null), 426, ErrorCode.WS_UNSUPPORTED_VERSION, { 'Sec-WebSocket-Version': '13' });
    mustRefuse(request(...goodLines, 'Sec-WebSocket-Version: 8'), 426, ErrorCode.WS_UNSUPPORTED_VERSION);
  });
  it('400 for a key that is not 16 bytes in base64, or missing, or twice', () => {
    mustRefuse(withHeader('Sec-WebSocket-Key', 'not base64!'), 400, ErrorCode.WS_BAD_REQUEST);
    mustRefuse(withHeader('Sec-WebSocket-Key', base64Encode(random(15))), 400, ErrorCode.WS_BAD_REQUEST);
    mustRefuse(withHeader('Sec-WebSocket-Key', base64Encode(random(17))), 400, ErrorCode.WS_BAD_REQUEST);
    mustRefuse(withHeader('Sec-WebSocket-Key', null), 400, ErrorCode.WS_BAD_REQUEST);
    mustRefuse(request(...goodLines, `Sec-WebSocket-Key: ${KEY}`), 400, ErrorCode.WS_BAD_REQUEST);
  });
  it('400 for malformed subprotocol or extension lists', () => {
    mustRefuse(request(...goodLines, 'Sec-WebSocket-Protocol: a b'), 400, ErrorCode.WS_BAD_REQUEST);
    mustRefuse(request(...goodLines, 'Sec-WebSocket-Extensions: permessage-deflate;;'), 400, ErrorCode.WS_BAD_REQUEST, {}, { deflate: true });
  });
  it('400 for malformed heads: bare LF, line folding, space before the colon, bad request line, control characters', () => {
    const bad = [
      utf8('GET / HTTP/1.1\nHost: h\r\n\r\n'),
      request(...goodLines, 'X-A: 1', ' folded'),
      request(...goodLines, 'X-A : 1'),
      request('GET  / HTTP/1.1', ...goodLines.slice(1)),
      request('GET / HTTP/1.1 extra', ...goodLines.slice(1)),
      request('GET / HTTP/x', ...goodLines.slice(1)),
      request(...goodLines, 'X-A: a\u0001b'),
      request(...goodLines, 'no colon'),
      utf8('\r\nGET / HTTP/1.1\r\n\r\n'),
    ];
    for (const b of bad) mustRefuse(b, 400, ErrorCode.WS_BAD_REQUEST);
  });
  it('414 for a request line over the line limit, 431 for a header line over it', () => {
    mustRefuse(request(`GET /${'a'.repeat(9000)} HTTP/1.1`, ...goodLines.slice(1)), 414, ErrorCode.WS_HEAD_TOO_LARGE);
    mustRefuse(request(...goodLines, `X-Big: ${'a'.repeat(9000)}`), 431, ErrorCode.WS_HEAD_TOO_LARGE);
  });
  it('431 for too many header fields and for a head over the size limit', () => {
    mustRefuse(request(...goodLines, ...Array.from({ length: 100 }, (_, i) => `X-${i}: v`)), 431, ErrorCode.WS_HEAD_TOO_LARGE);
    mustRefuse(request(...goodLines, ...Array.from({ length: 5 }, (_, i) => `X-${i}: ${'v'.repeat(4000)}`)), 431, ErrorCode.WS_HEAD_TOO_LARGE);
  });
  it('refuses over-long input before the end of the head arrives', () => {
    const reader = requestHeadReader({ maxLineLength: 100 });
    reader.push(utf8('GET /' + 'a'.repeat(99)));
    assert.throws(() => reader.read(), { code: ErrorCode.WS_HEAD_TOO_LARGE, status: 414 });
    const r2 = requestHeadReader({ maxHeadSize: 200 });
    r2.push(utf8('GET / HTTP/1.1\r\n' + 'X: y\r\n'.repeat(40)));
    assert.throws(() => r2.read(), { code: ErrorCode.WS_HEAD_TOO_LARGE, status: 431 });
  });
  it('gives the same answer for a head at the limits however it is split', () => {
    // A line of exactly maxLineLength is fine; one more byte is not.
    for (const [extra, ok] of [[0, true], [1, false]] as const) {
      const line = 'X: ' + 'v'.repeat(50 - 3 + extra);
      const wire = request(...goodLines, line);
      for (const { name, chunks } of everySplit(wire, { threePieceMaxLength: 0 })) {
        const reader = requestHeadReader({ maxLineLength: 50 });
        let outcome: string = 'not yet';
        for (const c of chunks) {
          reader.push(c.slice());
          try {
            if (reader.read() !== undefined) outcome = 'ok';
          } catch (e) {
            outcome = (e as HandshakeError).code;
            break;
          }
          if (outcome !== 'not yet') break;
        }
        assert.equal(outcome, ok ? 'ok' : ErrorCode.WS_HEAD_TOO_LARGE, name);
      }
    }
  });
  it('401 with WWW-Authenticate, 403 and 404 when the check refuses', () => {
    const e401 = mustRefuse(request(...goodLines), 401, ErrorCode.WS_HANDSHAKE_REFUSED, { 'WWW-Authenticate': 'Basic realm="chat"' }, {
      check: (req) => (req.head.headers.has('Authorization') ? undefined : { status: 401, headers: { 'WWW-Authenticate': 'Basic realm="chat"' } }),
    });
    assert.equal(e401.status, 401);
    mustRefuse(request(...goodLines, 'Origin: https://evil.example'), 403, ErrorCode.WS_HANDSHAKE_REFUSED, {}, {
      check: (req) => (req.origin === 'https://app.example' ? undefined : { status: 403 }),
    });
    mustRefuse(request(...goodLines), 404, ErrorCode.WS_HANDSHAKE_REFUSED, {}, { check: (req) => (req.path === '/ws' ? undefined : { status: 404 }) });
  });
  it('writes error answers with the reason phrase as the only body', () => {
    for (const [status, reason] of [
      [400, 'Bad Request'],
      [401, 'Unauthorized'],
      [403, 'Forbidden'],
      [404, 'Not Found'],
      [426, 'Upgrade Required'],
      [431, 'Request Header Fields Too Large'],
      [418, 'Client Error'],
    ] as const) {
      const a = parseAnswer(httpErrorResponse(status));
      assert.equal(a.status, status);
      assert.equal(a.body, reason + '\n');
      assert.ok(latin1(httpErrorResponse(status)).startsWith(`HTTP/1.1 ${status} ${reason}\r\n`));
    }
    assert.throws(() => httpErrorResponse(200), { code: ErrorCode.WS_INVALID_ARGUMENT });
    assert.throws(() => httpErrorResponse(400, { 'X-A': 'a\r\nb' }), { code: ErrorCode.WS_INVALID_ARGUMENT });
  });
});

describe('client checks the 101 answer (RFC 6455 4.1)', () => {
  const client = (o: Partial<ConstructorParameters<typeof ClientHandshake>[0]> = {}) => new ClientHandshake({ url: 'ws://h/', sha1, random, ...o });
  const answer = (hs: ClientHandshake, ...extra: string[]): Uint8Array =>
    request('HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${acceptKey(hs.key, sha1)}`, ...extra);

  it('accepts a valid answer and returns the bytes after it', () => {
    const hs = client();
    const frames = Uint8Array.of(0x81, 0x02, 0x68, 0x69);
    const wire = cat(answer(hs), frames);
    for (const { name, chunks } of everySplit(wire, { threePieceMaxLength: 0 })) {
      const h2 = new ClientHandshake({ url: 'ws://h/', sha1, random: () => base64Decode(hs.key)! });
      let r;
      const after: Uint8Array[] = [];
      for (const c of chunks) {
        if (r === undefined) r = h2.receive(c.slice());
        else after.push(c);
      }
      assert.ok(r, name);
      assert.deepEqual(cat(r.rest, ...after), frames, name);
      assert.equal(r.subprotocol, undefined);
      assert.equal(r.deflate, undefined);
    }
  });
  it('WS_HANDSHAKE_REFUSED with the status for a non-101 answer', () => {
    const hs = client();
    const err = (() => {
      try {
        hs.receive(request('HTTP/1.1 401 Unauthorized', 'WWW-Authenticate: Basic realm="x"', 'Content-Length: 0'));
      } catch (e) {
        return e as HandshakeError;
      }
      assert.fail('no error');
    })();
    assert.equal(err.code, ErrorCode.WS_HANDSHAKE_REFUSED);
    assert.equal(err.status, 401);
    assert.equal(err.response?.headers.get('www-authenticate'), 'Basic realm="x"');
  });
  const failures: Array<[string, (hs: ClientHandshake) => Uint8Array, Partial<ConstructorParameters<typeof ClientHandshake>[0]>]> = [
    ['no Upgrade', (hs) => request('HTTP/1.1 101 Switching Protocols', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${acceptKey(hs.key, sha1)}`), {}],
    ['no Connection', (hs) => request('HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', `Sec-WebSocket-Accept: ${acceptKey(hs.key, sha1)}`), {}],
    ['a wrong accept value', () => request('HTTP/1.1 101 OK', 'Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo='), {}],
    ['no accept value', () => request('HTTP/1.1 101 OK', 'Upgrade: websocket', 'Connection: Upgrade'), {}],
    ['a subprotocol that was not offered', (hs) => answer(hs, 'Sec-WebSocket-Protocol: other'), { subprotocols: ['chat'] }],
    ['a subprotocol when none was offered', (hs) => answer(hs, 'Sec-WebSocket-Protocol: chat'), {}],
    ['two subprotocols', (hs) => answer(hs, 'Sec-WebSocket-Protocol: a, b'), { subprotocols: ['a', 'b'] }],
    ['an extension that was not offered', (hs) => answer(hs, 'Sec-WebSocket-Extensions: permessage-deflate'), {}],
    ['an unknown extension', (hs) => answer(hs, 'Sec-WebSocket-Extensions: x-webkit-deflate-frame'), { deflate: true }],
    ['permessage-deflate twice', (hs) => answer(hs, 'Sec-WebSocket-Extensions: permessage-deflate, permessage-deflate'), { deflate: true }],
    ['an invalid deflate parameter', (hs) => answer(hs, 'Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=16'), { deflate: true }],
    ['a malformed status line', () => utf8('HTTP/1.1 1O1 Switching\r\n\r\n'), {}],
    ['HTTP/1.0', (hs) => request('HTTP/1.0 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${acceptKey(hs.key, sha1)}`), {}],
  ];
  for (const [name, make, opts] of failures) {
    it(`WS_HANDSHAKE_FAILED for ${name}`, () => {
      const hs = client(opts);
      assert.throws(() => hs.receive(make(hs)), { code: ErrorCode.WS_HANDSHAKE_FAILED });
    });
  }
  it('WS_HEAD_TOO_LARGE for an answer over the head limits', () => {
    const hs = client({ limits: { maxHeaders: 3 } });
    assert.throws(() => hs.receive(answer(hs, 'A: 1', 'B: 2')), { code: ErrorCode.WS_HEAD_TOO_LARGE });
    const r = responseHeadReader();
    r.push(utf8('HTTP/1.1 101 OK\r\nX: ' + 'a'.repeat(9000)));
    assert.throws(() => r.read(), { code: ErrorCode.WS_HEAD_TOO_LARGE });
  });
});

describe('client and server together', () => {
  it('agree on subprotocol and permessage-deflate parameters', () => {
    const hs = new ClientHandshake({
      url: 'ws://localhost:9000/feed',
      sha1,
      random,
      subprotocols: ['json', 'text'],
      deflate: { serverNoContextTakeover: true, clientMaxWindowBits: 10 },
    });
    const s = new ServerHandshake({ sha1, subprotocols: ['text', 'json'], deflate: { serverMaxWindowBits: 12 } }).receive(hs.request.slice());
    assert.ok(s?.ok, s && !s.ok ? s.error.message : '');
    const c = hs.receive(s.response.slice());
    assert.ok(c);
    assert.equal(c.subprotocol, 'json');
    assert.equal(s.subprotocol, 'json');
    assert.deepEqual(c.deflate, s.deflate);
    assert.deepEqual(c.deflate, { serverNoContextTakeover: true, clientNoContextTakeover: false, serverMaxWindowBits: 12, clientMaxWindowBits: 10 });
  });
});

describe('isToken (RFC 9110 5.6.2)', () => {
  it('accepts tchar only: refuses every byte from 0x80 up, the first one included, and separators', async () => {
    const { isToken } = await import('../../../src/core/websocket/index.js');
    assert.equal(isToken('permessage-deflate'), true);
    assert.equal(isToken("!#$%&'*+-.^_`|~09azAZ"), true);
    for (const c of [0x80, 0x81, 0xff, 0x100, 0x7f, 0x20, 0x22, 0x2c, 0x3b, 0x3d, 0x00]) {
      assert.equal(isToken(`a${String.fromCharCode(c)}b`), false, `U+${c.toString(16).padStart(4, '0')}`);
    }
    assert.equal(isToken(''), false);
  });
});
