/** Schemes Switchboard understands. Stream schemes carry framed messages over a byte stream. */
export declare const Scheme: {
    readonly tcp: "tcp";
    readonly tls: "tls";
    readonly unix: "unix";
};
export type Scheme = (typeof Scheme)[keyof typeof Scheme];
/** Datagram schemes: one message per datagram, no connection (see `bindDatagram()`). */
export declare const DatagramScheme: {
    readonly udp: "udp";
    readonly unixgram: "unixgram";
};
export type DatagramScheme = (typeof DatagramScheme)[keyof typeof DatagramScheme];
export type Address = {
    readonly scheme: 'tcp' | 'tls';
    readonly host: string;
    readonly port: number;
} | {
    readonly scheme: 'unix';
    readonly path: string;
};
/** Where datagrams go or come from: `udp://host:port` or `unixgram:///absolute/path`. */
export type DatagramAddress = {
    readonly scheme: 'udp';
    readonly host: string;
    readonly port: number;
} | {
    readonly scheme: 'unixgram';
    readonly path: string;
};
/**
 * Parses `tcp://host:port`, `tls://host:port`, `tcp://[::1]:port` or `unix:///absolute/path`.
 * Port 0 asks the system for a free port (servers only). The datagram schemes (`udp`,
 * `unixgram`) are refused here with a hint: they are read by {@link parseDatagramAddress}.
 */
export declare function parseAddress(url: string): Address;
/**
 * Parses `udp://host:port`, `udp://[::1]:port` or `unixgram:///absolute/path` (the same rules as
 * {@link parseAddress}: one host:port and nothing else, an absolute path with `%`-escapes).
 * A `unixgram` path may not hold NUL (`%00`): the system would cut the path there.
 */
export declare function parseDatagramAddress(url: string): DatagramAddress;
/** `127.0.0.1:8080`, `[::1]:8080`. */
export declare function hostPort(host: string, port: number | undefined): string;
/** `tcp://127.0.0.1:4000`, `udp://[::1]:4000`, `unix:///tmp/app.sock`, `unixgram:///tmp/app.sock`. */
export declare function formatAddress(a: Address | DatagramAddress): string;
