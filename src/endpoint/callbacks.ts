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
  /**
   * A message arrived. Return a promise (any thenable) to apply backpressure: the connection decodes and reads
   * nothing more until it settles (a rejection is reported as `HOOK_FAILED`), so the peer is
   * held back by TCP instead of replies piling up. `return conn.drained()` after a send that
   * said `backpressured` keeps the queued bytes near the high-water mark. The message is taken
   * when the callback returns, or when its promise settles. Any other return value is ignored.
   * Watchers (`observeOnly`) cannot pause.
   */
  onReceive?(conn: Connection<In, Out>, msg: In): unknown;
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
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCallbacks = Callbacks<any, any>;

const EVENTS = ['onInitialize', 'onConnect', 'onReceive', 'onSent', 'onFail', 'onDisconnect', 'onDrain', 'onReject'] as const;

/**
 * Fans every event out to several callbacks, in order. The chain consumes messages when any
 * member does.
 */
export function chainCallbacks<In, Out>(...members: Array<Callbacks<In, Out> | undefined>): Callbacks<In, Out> {
  const list = members.filter((m): m is Callbacks<In, Out> => m !== undefined);
  const out: Record<string, unknown> = { observeOnly: list.every((m) => m.observeOnly === true || m.onReceive === undefined) };
  for (const ev of EVENTS) {
    const fns = list.map((m) => m[ev]?.bind(m)).filter((f) => f !== undefined) as Array<(...a: unknown[]) => unknown>;
    if (fns.length === 1) out[ev] = fns[0];
    else if (fns.length > 1)
      out[ev] = (...args: unknown[]) => {
        // Every member hears every event; the first error is rethrown after all have run.
        let first: { error: unknown } | undefined;
        let waits: Array<PromiseLike<unknown>> | undefined;
        for (const f of fns) {
          try {
            const r: unknown = f(...args);
            // onReceive's backpressure: the chain waits for every member's promise.
            if (r !== undefined && typeof (r as PromiseLike<unknown>).then === 'function') (waits ??= []).push(r as PromiseLike<unknown>);
          } catch (error) {
            first ??= { error };
          }
        }
        if (first) throw first.error;
        return waits === undefined ? undefined : Promise.all(waits);
      };
  }
  return out as Callbacks<In, Out>;
}
