/**
 * `switchboard/browser`: connect and permanentClient over the platform's `WebSocket` (browsers,
 * Deno, Bun, Node >= 22, Node 20 with --experimental-websocket), on the sans-I/O core. No
 * `node:*` anywhere below this file (test/layering.test.ts and test/browser/bundle.test.ts).
 * See docs/browser.md.
 */
export { connect, type ConnectOptions } from './client.js';
export { permanentClient, PermanentClient, type PermanentClientOptions, type ClientStatus, type OutboxOptions, } from './permanent-client.js';
export { Connection, type CloseInfo, type CloseOptions, type Callbacks, type ConnectionOptions, type ConnectionState, type BrowserProtocol, type WebSocketOptions, } from './connection.js';
export { codecs, bytesCodec, messageCodec, textCodec, jsonCodec, defineCodec, copyBytes, type Codec, type JsonCodecOptions } from '../core/codec.js';
export { SendStatus, isAccepted } from '../core/send-status.js';
export { pauseSchedule, exponentialBackoff, type Backoff, type ExponentialBackoffOptions } from '../core/backoff.js';
export { ErrorCode, SwitchboardError, CodecError, ConfigError, ConnectError, ConnectionError, isSwitchboardError, } from '../core/errors.js';
export { Limits } from '../core/limits.js';
export type { HeartbeatOptions } from '../core/protocol.js';
export { Message, message, isMessage, type ParamValue, type ParamsInput } from '../core/message/message.js';
export { namedMessageCodec, type NamedMessageCodecOptions } from '../core/message/codec.js';
