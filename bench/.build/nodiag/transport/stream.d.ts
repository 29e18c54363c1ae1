/**
 * Byte-stream transports: TCP (IPv4/IPv6), TLS and Unix stream sockets, as thin adapters over
 * `node:net` and `node:tls`. Opening, reading chunks, writing batches, closing and reporting
 * errors: everything else (framing, backpressure policy, close handshake) lives above.
 */
import net from 'node:net';
import tls from 'node:tls';
import { type Address } from '../core/index.js';
/** TLS material and checks, passed to `node:tls`. */
export interface TlsOptions {
    /** PEM certificate chain of this side (a server's, or a client's for client certificates). */
    cert?: string | Uint8Array;
    /** PEM private key for `cert`. */
    key?: string | Uint8Array;
    /** PEM certificates of the authorities to trust instead of the system's. */
    ca?: string | Uint8Array | Array<string | Uint8Array>;
    /** Server: ask clients for a certificate. @default false */
    requestCert?: boolean;
    /** Reject peers whose certificate does not verify. @default true */
    rejectUnauthorized?: boolean;
    /** Client: the name to check the server certificate against (SNI). @default the host */
    servername?: string;
    /** ALPN protocol names to offer/accept. */
    alpnProtocols?: string[];
}
export interface SocketOptions {
    /** Disable Nagle's algorithm so small messages leave at once. @default true */
    noDelay?: boolean;
    /** TCP keep-alive probe delay in ms; 0 turns keep-alive off. @default 0 */
    keepAlive?: number;
    /** TLS settings, for `tls://` addresses. */
    tls?: TlsOptions;
}
/**
 * Receives a socket's events. Listeners are added to the `net.Socket` once, when the
 * `StreamSocket` is made, and never removed: a handler is swapped with `setHandler()` (an upgrade
 * handshake, then the connection). Removing listeners would turn the socket's event table into a
 * hash table (~450 bytes per connection), and per-socket closures cost ~60 bytes each.
 */
export interface StreamHandler {
    onStreamData(chunk: Uint8Array): void;
    /** The peer finished sending (FIN). */
    onStreamEnd(): void;
    /** The socket took all queued bytes after a write that exceeded its buffer. */
    onStreamDrain(): void;
    onStreamError(err: Error): void;
    /** The socket is gone; no more events. */
    onStreamClose(): void;
}
/** One connected stream socket. */
export declare class StreamSocket {
    readonly socket: net.Socket;
    private readonly unixPath?;
    /** @internal the current receiver of the socket's events */
    handler: StreamHandler;
    /** @internal the socket emitted 'close' */
    sawClose: boolean;
    private reading;
    private readonly localHost;
    private readonly localPort;
    private readonly remoteHost;
    private readonly remotePort;
    constructor(socket: net.Socket, unixPath?: string | undefined);
    /** `127.0.0.1:50312`, `[::1]:8080` or `unix:/tmp/app.sock`. */
    get local(): string;
    get remote(): string;
    /**
     * Sends the socket's events to `h` from now on, and starts reading. A socket handed over
     * paused (after an upgrade handshake) flows again; one that already closed reports it.
     */
    setHandler(h: StreamHandler): void;
    /** Stops delivering events (they are ignored) and pauses reading. */
    release(): void;
    /**
     * Writes a batch of chunks as one corked write. `onWritten` runs once the socket has handed
     * the whole batch to the kernel (or failed to).
     */
    write(chunks: readonly Uint8Array[], onWritten?: () => void): void;
    /** Bytes the socket holds that the kernel has not taken yet. */
    get writableLength(): number;
    get needDrain(): boolean;
    get destroyed(): boolean;
    /** The peer's TLS certificate when it sent one (verified unless `rejectUnauthorized` is false), else undefined. */
    get peerCertificate(): tls.PeerCertificate | undefined;
    pause(): void;
    resume(): void;
    /** Sends FIN once everything queued is written. */
    end(): void;
    destroy(): void;
}
/**
 * One connection attempt. Resolves when the socket is connected (TLS: after the handshake).
 * Rejects with `CONNECT_FAILED` (cause: the system error) or when `signal` aborts.
 */
export declare function dial(address: Address, options: SocketOptions, signal?: AbortSignal): Promise<StreamSocket>;
export interface ListenOptions extends SocketOptions {
    /** Unix sockets: remove a stale socket file nobody listens on. @default true */
    unlinkStale?: boolean;
    /**
     * Connections the kernel queues before they are accepted (a burst of connects beyond it is
     * refused or dropped by the kernel). Linux caps it at `net.core.somaxconn`.
     * @default Limits.listenBacklog (4096)
     */
    backlog?: number;
    /** Only IPv6 for `::` (no dual stack). @default false */
    ipv6Only?: boolean;
}
/** Reports a socket the listener could not turn into a connection (a failed TLS handshake, say). */
export type ListenerErrorHandler = (err: Error, remote: string | undefined) => void;
/** A listening socket. */
export declare class StreamListener {
    private readonly server;
    /** The address actually bound (port 0 resolved). */
    readonly address: Address;
    private constructor();
    static open(address: Address, options: ListenOptions, onSocket: (s: StreamSocket) => void, onError: ListenerErrorHandler): Promise<StreamListener>;
    /** Stops accepting. Existing sockets are not touched. */
    close(): Promise<void>;
}
/** Node's pooled allocator: slabs for the write buffer without zero-filling. */
export declare const allocUnsafe: (n: number) => Uint8Array;
export type { PeerCertificate } from 'node:tls';
