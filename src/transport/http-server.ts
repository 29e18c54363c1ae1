/**
 * A small node:http server for pages that sit beside a WebSocket endpoint (the chat demo):
 * every request is answered by a route function from the method and the path (the query is
 * dropped; no request body is read). `server` is the node:http server, for `attachWebSocket`.
 * It lives here because only transport/ touches sockets (test/layering.test.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpAnswer {
  status: number;
  /** The content type. @default 'text/plain; charset=utf-8' */
  type?: string;
  body?: string | Uint8Array;
  headers?: Record<string, string>;
}

/** Answers one request; what it throws is answered 500, with no detail. */
export type HttpRoute = (method: string, path: string) => HttpAnswer | Promise<HttpAnswer>;

export interface HttpServerHandle {
  /** The node:http server (for `attachWebSocket`). */
  readonly server: Server;
  /** The address it listens on, `[...]` around IPv6. */
  readonly host: string;
  readonly port: number;
  /** Stops listening and ends every connection, upgraded ones included. */
  close(): Promise<void>;
}

/** Listens on `host:port` (0: any free port) and answers every request with `route`. */
export async function serveHttp(route: HttpRoute, options: { host: string; port: number }): Promise<HttpServerHandle> {
  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let a: HttpAnswer;
    try {
      a = await route(req.method ?? 'GET', (req.url ?? '/').split('?')[0]!);
    } catch {
      a = { status: 500 };
    }
    res.writeHead(a.status, { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'content-type': a.type ?? 'text/plain; charset=utf-8', ...a.headers });
    res.end(req.method === 'HEAD' ? undefined : a.body);
  };
  const server = createServer((req, res) => void answer(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address() as AddressInfo;
  return {
    server,
    host: a.family === 'IPv6' ? `[${a.address}]` : a.address,
    port: a.port,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
