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
