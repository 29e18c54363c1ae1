/**
 * A tiny HTTP server that answers GET on one path with text computed per request: what the
 * Prometheus exporter (`switchboard/prometheus`, `switchboard listen --metrics`) serves `/metrics`
 * with. Only GET and HEAD of that path are answered (200); any other path is 404, any other
 * method 405. It binds exactly where it is told: there is no default address.
 */
import http from 'node:http';
import { ConfigError, ErrorCode } from '../core/index.js';

/** Connections the metrics endpoint serves at once; node:http closes any more at once. */
const MAX_CONNECTIONS = 64;

export interface TextServer {
  /** `http://127.0.0.1:9464/metrics`, with the port actually bound. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Serves `body()` at `path` on `host:port` (port 0: any free port). */
export async function serveText(host: string, port: number, path: string, contentType: string, body: () => string): Promise<TextServer> {
  if (!(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw new ConfigError(ErrorCode.INVALID_ADDRESS, `invalid port ${port}: expected 0 to 65535`);
  }
  const server = http.createServer((req, res) => {
    const p = (req.url ?? '/').split('?')[0];
    if (p !== path) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    let text: string;
    try {
      text = body();
    } catch {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics failed\n');
      return;
    }
    res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
    res.end(req.method === 'HEAD' ? undefined : text);
  });
  // Security limits: a scraper needs one connection and a few headers.
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  server.maxHeadersCount = 100;
  server.maxConnections = MAX_CONNECTIONS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address();
  const bound = a !== null && typeof a === 'object' ? a.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${bound}${path}`,
    host,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
