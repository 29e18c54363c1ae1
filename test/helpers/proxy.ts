/** A TCP proxy on 127.0.0.1 to take a peer's network away, for tests of reconnects and resumes. */
import { createConnection, createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a server, to take a client's network away: `cut(ms)` destroys every
 * connection through it and refuses new ones for `ms`; `freeze(ms)` lets nothing through for
 * `ms` while the connections stay open (a network gone silent), then destroys them.
 */
export interface Proxy {
  port: number;
  cut(ms: number): void;
  freeze(ms: number): void;
  close(): Promise<void>;
}

export async function proxy(targetPort: number): Promise<Proxy> {
  const pairs = new Set<Socket>();
  let downUntil = 0;
  let frozen = false;
  const server: TcpServer = createTcpServer((client) => {
    if (Date.now() < downUntil) return void client.destroy();
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
      pairs.add(a);
      a.on('error', () => b.destroy());
      a.on('close', () => (pairs.delete(a), b.destroy()));
      a.on('data', (d: Buffer) => void (frozen || b.write(d)));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const self: Proxy = {
    port: (server.address() as AddressInfo).port,
    cut(ms) {
      downUntil = Date.now() + ms;
      for (const sock of pairs) sock.destroy();
    },
    freeze(ms) {
      frozen = true;
      downUntil = Date.now() + ms;
      const silent = [...pairs];
      setTimeout(() => {
        frozen = false;
        for (const sock of silent) sock.destroy(); // bytes were dropped: these streams cannot go on
      }, ms);
    },
    close: () => {
      for (const sock of pairs) sock.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return self;
}

