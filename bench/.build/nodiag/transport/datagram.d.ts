import { type DatagramAddress } from '../core/address.js';
import { ConfigError } from '../core/errors.js';
/** Events from a datagram socket, set once when it is opened. */
export interface DatagramHandlers {
    /**
     * One datagram. `from` is the sender's address; `undefined` for a Unix sender that is not
     * bound to a path (it cannot be answered). The bytes belong to the receiver.
     */
    message(data: Uint8Array, from: DatagramAddress | undefined): void;
    /** An error of the socket itself, not of one send. The socket stays open. */
    error(err: Error): void;
}
/** One open datagram socket. */
export interface DatagramSocket {
    readonly kind: 'udp4' | 'udp6' | 'unixgram';
    /** The address the socket is bound to (port 0 resolved); `undefined` for an unbound Unix socket (it can only send). */
    readonly local: DatagramAddress | undefined;
    /** Bytes handed to `send()` that the kernel has not taken yet (UDP; always 0 for unixgram, whose sends are synchronous). */
    readonly queuedBytes: number;
    /**
     * Throws `INVALID_ADDRESS` when this socket can never send to `to`: another scheme, an IP
     * literal of the other family (a `udp4` socket and `::1`), a Unix path too long for the system.
     */
    checkDestination(to: DatagramAddress): void;
    /**
     * Sends one datagram to `to`. Returns the error when the system refused it at once (unixgram:
     * no socket at the path, the receiver's queue is full; UDP: a bad port); a later failure
     * (UDP: unreachable host, EMSGSIZE) goes to `onError`.
     */
    send(data: Uint8Array, to: DatagramAddress, onError: (err: Error) => void): Error | undefined;
    /** Closes the socket; a Unix socket file it bound is removed. Safe to call more than once. */
    close(): Promise<void>;
}
export interface DatagramSocketOptions {
    /** UDP: on `::`, receive IPv6 only (no IPv4-mapped peers). @default false */
    ipv6Only?: boolean;
    /** UDP: share the port with other sockets that set it too (SO_REUSEADDR). @default false */
    reuseAddr?: boolean;
    /** Unixgram: remove a stale socket file at the path, one nobody receives on. @default true */
    unlinkStale?: boolean;
    /**
     * UDP: how long `close()` waits for accepted sends to be handed to the kernel, in ms (Unix
     * datagram sends are synchronous: nothing to wait for). @default Limits.closeTimeout (5000)
     */
    closeTimeout?: number;
}
/**
 * Opens a datagram socket bound to `local`: `udp://host:port` (port 0: any free port) or
 * `unixgram:///path`. Rejects with `LISTEN_FAILED` when the address cannot be bound,
 * `INVALID_ADDRESS` for a Unix path too long for the system, `UNIXGRAM_UNAVAILABLE` when Unix
 * datagram sockets cannot be had.
 */
export declare function openDatagramSocket(local: DatagramAddress, options: DatagramSocketOptions, handlers: DatagramHandlers): Promise<DatagramSocket>;
/**
 * Opens a socket for sending to `peer` without a chosen local address: UDP binds an ephemeral
 * port on the wildcard address of the peer's family (so replies come back); unixgram leaves
 * the socket unbound (send only, as eventdispatcher's `ed-signal`).
 */
export declare function openDatagramSender(peer: DatagramAddress, options: DatagramSocketOptions, handlers: DatagramHandlers): Promise<DatagramSocket>;
/**
 * The IP address and family of a UDP host: literals as they are, names through the system
 * resolver (its first answer). A name that does not resolve is `INVALID_ADDRESS`.
 */
export declare function resolveUdpHost(host: string, shown: DatagramAddress): Promise<{
    address: string;
    family: 4 | 6;
}>;
/**
 * Whether Unix datagram sockets can be opened here, and if not, why (the `UNIXGRAM_UNAVAILABLE`
 * error `openDatagramSocket` would reject with). Loads the addon on first call.
 */
export declare function unixgramSupport(): {
    available: true;
    addon: string;
} | {
    available: false;
    error: ConfigError;
};
/**
 * Longest path `sockaddr_un.sun_path` holds, in bytes, without its NUL: 108 - 1 on Linux, 104 - 1
 * on the BSDs and macOS. unix-dgram copies paths with `strncpy`, which would silently cut a
 * longer one and bind or send to another path: so longer paths are refused before.
 */
export declare const UNIX_PATH_MAX: number;
