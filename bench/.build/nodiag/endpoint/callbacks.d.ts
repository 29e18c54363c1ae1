import type { SwitchboardError } from '../core/index.js';
import type { CloseInfo, Connection } from './connection.js';
/** What a server or client is, for `onInitialize`. */
export interface Endpoint {
    readonly name: string;
}
/**
 * Callbacks for connection events (LEADS' `Callback` + links' callbacks). All are optional.
 *
 * `onReceive` claims the connection's messages: a connection whose callbacks have an
 * `onReceive` delivers messages there, and `for await` over it is a `RECEIVE_MODE_CONFLICT`
 * error. Callbacks that only watch (a logger, a counter, a store) set `observeOnly: true`, and
 * then iteration still works.
 */
export interface Callbacks<In, Out> {
    /** The server is listening, or the client is about to connect. */
    onInitialize?(endpoint: Endpoint): void;
    /** A connection is open (after the protocol's `onConnect` handshake, if any). */
    onConnect?(conn: Connection<In, Out>): void;
    /** A message arrived. */
    onReceive?(conn: Connection<In, Out>, msg: In): void;
    /** A message was accepted for sending (encoded into the connection's write buffer). */
    onSent?(conn: Connection<In, Out>, msg: Out): void;
    /** Something failed: bad input, a timeout, a refused handshake, a callback that threw. */
    onFail?(error: SwitchboardError, conn: Connection<In, Out> | undefined): void;
    /** A connection is closed; `info` says why. */
    onDisconnect?(conn: Connection<In, Out>, info: CloseInfo): void;
    /** A connection that reported `backpressured` has room again. */
    onDrain?(conn: Connection<In, Out>): void;
    /** A server refused a connection over `maxConnections`. */
    onReject?(remote: string, error: SwitchboardError): void;
    /** True when `onReceive` only watches and does not consume messages. @default false */
    readonly observeOnly?: boolean;
}
/** Loose callbacks type for helpers that work with any message types. */
export type AnyCallbacks = Callbacks<any, any>;
/**
 * Fans every event out to several callbacks, in order. The chain consumes messages when any
 * member does.
 */
export declare function chainCallbacks<In, Out>(...members: Array<Callbacks<In, Out> | undefined>): Callbacks<In, Out>;
