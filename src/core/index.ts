/** The sans-I/O core: framers, codecs, protocols, limits and errors. No `node:*`, no timers. */
export {
  ErrorCode,
  SwitchboardError,
  FramingError,
  CodecError,
  ConfigError,
  ConnectError,
  ConnectionError,
  ServerError,
  isSwitchboardError,
  type SwitchboardErrorOptions,
} from './errors.js';
export { Limits, type LimitName } from './limits.js';
export { RoomError, checkRoomName, roomNameProblem } from './rooms.js';
export { ByteQueue, WriteBuffer, concatBytes, previewBytes, type Allocator, type Utf8Writer, type WriteBufferOptions } from './bytes.js';
export * from './framing/index.js';
export { codecs, copyBytes, bytesCodec, messageCodec, textCodec, jsonCodec, defineCodec, decodeUtf8, type Codec, type JsonCodecOptions } from './codec.js';
export { SendStatus, isAccepted } from './send-status.js';
export { pauseSchedule, exponentialBackoff, type Backoff, type ExponentialBackoffOptions } from './backoff.js';
export { parseAddress, parseDatagramAddress, formatAddress, hostPort, type Address, type DatagramAddress, Scheme, DatagramScheme } from './address.js';
export {
  protocols,
  defineProtocol,
  linesJson,
  leads,
  protocolName,
  type Protocol,
  type ProtocolSpec,
  type ProtocolHooks,
  type HookContext,
  type HandshakeContext,
  type HeartbeatOptions,
} from './protocol.js';
export * from './message/index.js';
export {
  CloseCode,
  WebSocketError,
  HandshakeError,
  type UpgradeRequest,
  type HandshakeRefusal,
  type DeflateOptions,
  type WebSocketLimits,
} from './websocket/index.js';
export {
  SESSION_PROTOCOL_VERSION,
  SESSION_VERSIONS,
  SESSION_HEADER_MAX,
  SESSION_ERROR_MESSAGE_MAX,
  EnvelopeKind,
  decodeEnvelope,
  peekSeq,
  encodeEnvelope,
  emptyEnvelope,
  joinEnvelope,
  SessionError,
  RequestError,
  SessionMachine,
  SessionState,
  classifyHello,
  acceptSession,
  type AcceptOutcome,
  type AcceptContext,
  randomToken,
  secretsEqual,
  MemorySessionStore,
  snapshotBytes,
  type Envelope,
  type EnvelopeFields,
  type EnvelopeWriter,
  type RandomBytes,
  type SessionEvent,
  type SessionHost,
  type SessionOptions,
  type SessionSnapshot,
  type RetainedRecord,
  type SessionStore,
  type MemorySessionStoreOptions,
  type SessionMeta,
  type SessionLog,
  type SessionLogEntry,
  isSessionLog,
  snapshotFromLog,
} from './session/index.js';
