/**
 * Attaching a dispatcher to `listen()` / `connect()` in one call:
 *
 *     const server = await listen('tcp://127.0.0.1:4040', dispatcherOptions(d, { name: 'lockd' }));
 *     const conn = await connect('tcp://127.0.0.1:4040', dispatcherOptions(client));
 */
import type { ProtocolSpec } from '../core/index.js';
import { type Message } from '../core/message/index.js';
import { type Callbacks, type ConnectOptions, type ListenOptions } from '../endpoint/index.js';
import type { Dispatcher } from './dispatcher.js';
/** What `dispatcherOptions()` always sets in the options it returns. */
export interface DispatchedOptions {
    protocol: ProtocolSpec<Message, Message>;
    decodeErrors: 'close' | 'skip';
    callbacks: Callbacks<Message, Message>;
}
/**
 * Options for `listen()` or `connect()` that run `dispatcher` on every connection:
 *
 * - `protocol`: `namedMessages()` (eventdispatcher lines) unless you give one;
 * - `decodeErrors`: `'skip'` unless you give one, so a line that does not parse is answered
 *   `INVALID message=...` and the connection stays up (with `'close'` it is answered, then closed);
 * - `callbacks`: yours (they run first, e.g. an `onConnect` that sends a greeting) chained with
 *   `dispatcher.callbacks()`.
 *
 * Every other option passes through unchanged.
 */
export declare function dispatcherOptions(dispatcher: Dispatcher, options?: ListenOptions<Message, Message>): ListenOptions<Message, Message> & DispatchedOptions;
export declare function dispatcherOptions(dispatcher: Dispatcher, options?: ConnectOptions<Message, Message>): ConnectOptions<Message, Message> & DispatchedOptions;
