/**
 * A TCP proxy on 127.0.0.1 (port 0) that forwards bytes both ways to a target and, on a timer,
 * cuts every connection it carries: both sockets destroyed at once, whatever is in flight in
 * the proxy (and in the kernel buffers behind it) is lost. Real sockets, real faults: what a
 * flaky network or a NAT that forgets its mappings does to a long conversation.
 *
 *     client ---tcp---> [proxy :port] ---tcp---> target
 *                          |  every cutEveryMs: destroy both sides of every pair
 *
 * It speaks bytes only, so it carries any framing, TLS or WebSocket alike (give the client the
 * proxy's port with the target's scheme and path: `ws://127.0.0.1:${proxy.port}/path`).
 */
import net from 'node:net';

export interface CuttingProxyOptions {
  /** Cut every connection this often, in ms; 0: never on a timer (call `cutAll()`). @default 200 */
  cutEveryMs?: number;
  /** Where to forward. The target may change between connections (`retarget`). */
  target: { host?: string; port: number };
}

export interface CuttingProxy {
  /** The port clients connect to. */
  readonly port: number;
  /** `tcp://127.0.0.1:<port>`. */
  readonly url: string;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Connections cut (destroyed by the timer or `cutAll()`) so far. */
  readonly cuts: number;
  /** Connection pairs open now. */
  readonly open: number;
  /** Bytes forwarded client -> target and target -> client. */
  readonly bytes: { readonly up: number; readonly down: number };
  /** Destroys both sides of every open pair now; returns how many pairs. */
  cutAll(): number;
  /** Stops (false) or resumes (true) the cutting timer; open pairs live on when stopped. */
  setCutting(on: boolean): void;
  /** Later connections go to this port. */
  retarget(port: number, host?: string): void;
  /** Stops the timer and listening, destroys every pair. */
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
}

export async function startCuttingProxy(options: CuttingProxyOptions): Promise<CuttingProxy> {
  const cutEveryMs = options.cutEveryMs ?? 200;
  let target = { host: options.target.host ?? '127.0.0.1', port: options.target.port };
  const pairs = new Set<Pair>();
  let accepted = 0;
  let cuts = 0;
  const bytes = { up: 0, down: 0 };

  const drop = (p: Pair): void => {
    if (!pairs.delete(p)) return;
    p.client.destroy();
    p.upstream.destroy();
  };

  const server = net.createServer({ noDelay: true }, (client) => {
    accepted++;
    const upstream = net.connect({ host: target.host, port: target.port, noDelay: true });
    const p: Pair = { client, upstream };
    pairs.add(p);
    // Any end, error or close on either side ends the pair: a half-open pair would hide a cut.
    for (const s of [client, upstream]) {
      s.on('error', () => drop(p));
      s.on('close', () => drop(p));
    }
    client.on('data', (c: Buffer) => (bytes.up += c.length));
    upstream.on('data', (c: Buffer) => (bytes.down += c.length));
    // pipe() keeps backpressure: a slow reader slows the writer, as a real path does.
    client.pipe(upstream);
    upstream.pipe(client);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;

  const cutAll = (): number => {
    const n = pairs.size;
    for (const p of [...pairs]) drop(p);
    cuts += n;
    return n;
  };
  let timer: ReturnType<typeof setInterval> | undefined;
  const setCutting = (on: boolean): void => {
    clearInterval(timer);
    timer = on && cutEveryMs > 0 ? setInterval(cutAll, cutEveryMs) : undefined;
  };
  setCutting(true);

  return {
    port,
    url: `tcp://127.0.0.1:${port}`,
    get accepted() {
      return accepted;
    },
    get cuts() {
      return cuts;
    },
    get open() {
      return pairs.size;
    },
    bytes,
    cutAll,
    setCutting,
    retarget(p, host = '127.0.0.1') {
      target = { host, port: p };
    },
    close: () =>
      new Promise<void>((resolve) => {
        setCutting(false);
        for (const p of [...pairs]) drop(p);
        server.close(() => resolve());
      }),
  };
}
