/** The sans-I/O core: framers, codecs, protocols, limits and errors. No `node:*`, no timers. */
export { ErrorCode, SwitchboardError, FramingError, CodecError, ConfigError, ConnectError, ConnectionError, ServerError, isSwitchboardError, } from './errors.js';
export { Limits } from './limits.js';
export { ByteQueue, WriteBuffer, concatBytes, previewBytes } from './bytes.js';
export * from './framing/index.js';
export { codecs, copyBytes, bytesCodec, messageCodec, textCodec, jsonCodec, defineCodec, decodeUtf8 } from './codec.js';
export { SendStatus, isAccepted } from './send-status.js';
export { pauseSchedule, exponentialBackoff } from './backoff.js';
export { parseAddress, parseDatagramAddress, formatAddress, hostPort, Scheme, DatagramScheme } from './address.js';
export { protocols, defineProtocol, linesJson, leads, protocolName, } from './protocol.js';
export * from './message/index.js';
export { CloseCode, WebSocketError, HandshakeError, } from './websocket/index.js';
export { SESSION_PROTOCOL_VERSION, SESSION_VERSIONS, SESSION_HEADER_MAX, SESSION_ERROR_MESSAGE_MAX, EnvelopeKind, decodeEnvelope, encodeEnvelope, emptyEnvelope, joinEnvelope, SessionError, RequestError, SessionMachine, SessionState, classifyHello, acceptSession, randomToken, secretsEqual, MemorySessionStore, snapshotBytes, } from './session/index.js';
