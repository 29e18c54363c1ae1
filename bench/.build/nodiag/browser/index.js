/**
 * `switchboard/browser`: connect and permanentClient over the platform's `WebSocket` (browsers,
 * Deno, Bun, Node >= 22, Node 20 with --experimental-websocket), on the sans-I/O core. No
 * `node:*` anywhere below this file (test/layering.test.ts and test/browser/bundle.test.ts).
 * See docs/browser.md.
 */
export { connect } from './client.js';
export { permanentClient, PermanentClient, } from './permanent-client.js';
export { Connection, } from './connection.js';
export { codecs, bytesCodec, messageCodec, textCodec, jsonCodec, defineCodec, copyBytes } from '../core/codec.js';
export { SendStatus, isAccepted } from '../core/send-status.js';
export { pauseSchedule, exponentialBackoff } from '../core/backoff.js';
export { ErrorCode, SwitchboardError, CodecError, ConfigError, ConnectError, ConnectionError, isSwitchboardError, } from '../core/errors.js';
export { Limits } from '../core/limits.js';
export { Message, message, isMessage } from '../core/message/message.js';
export { namedMessageCodec } from '../core/message/codec.js';
