export { Connection, closeCodeFor, type CloseOptions, type CloseInfo, type ConnectionOptions, type ConnectionState, type ConnectionStats } from './connection.js';
export { connect, type ConnectOptions } from './client.js';
export { Rooms, type RoomRelay, type JoinAuthorizer } from './rooms.js';
export { listen, attachWebSocket, Server, type ListenOptions, type BroadcastResult, type ServerCloseOptions } from './server.js';
export { chainCallbacks, type Callbacks, type Endpoint } from './callbacks.js';
export {
  loggerCallback,
  counterCallback,
  storeCallback,
  formatMessage,
  describeClose,
  type Logger,
  type LogLevel,
  type LoggerCallbackOptions,
  type Counts,
  type StoreCallback,
  type StoredMessage,
} from './observers.js';
export {
  permanentClient,
  PermanentClient,
  type PermanentClientOptions,
  type ClientStatus,
  type OutboxOptions,
} from './permanent-client.js';
export { Communicator, type Closeable, type CommunicatorOptions, type CommunicatorTimer, type SignalName } from './communicator.js';
export {
  bindDatagram,
  datagramClient,
  DatagramEndpoint,
  SECRET_CODE_PARAMETER,
  type DatagramReceived,
  type DatagramStats,
  type DatagramCallbacks,
  type DatagramOptions,
  type DatagramClientOptions,
} from './datagram.js';
export {
  SessionHandle,
  type SessionConfig,
  type ServerSessionConfig,
  type SessionOpenInfo,
  type MessageInfo,
  type RequestContext,
  type RequestOptions,
  type SessionHandleState,
  type SessionStats,
} from './session.js';
export { SessionServer, type SessionServerCloseOptions } from './session-server.js';
export { SessionClient } from './session-client.js';
export {
  ChannelName,
  REQUEST_TRACING,
  type ConnectionOpenEvent,
  type ConnectionCloseEvent,
  type ConnectAttemptEvent,
  type ConnectFailureEvent,
  type HandshakeRefusedEvent,
  type MessageEvent,
  type SendDroppedEvent,
  type ReconnectEvent,
  type SessionResumedEvent,
  type SessionGapEvent,
  type RequestTraceContext,
} from './diagnostics.js';
export { DropReason, RejectReason, RequestOutcome, RTT_BUCKETS_US, type MetricsSnapshot } from './metrics.js';
export type { HistogramSnapshot } from '../core/histogram.js';
export { lineLogger, fileDestination, type StructuredLogger, type LogFields, type LogDestination, type LineLoggerOptions } from './log.js';
