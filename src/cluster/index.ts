/** Rooms, presence, cluster queries and service addressing across Switchboard servers, on NATS. See docs/cluster.md. */
export { joinCluster, ClusterNode, type ClusterOptions, type ClusterCodec, type ClusterEvent, type ClusterStats, type QueryResult, type PresenceEntry, type CountEntry } from './node.js';
export { Services, type ServiceContext, type ServiceHandler, type ServiceRegistration } from './services.js';
export { natsBroker, type NatsBrokerOptions } from './nats.js';
export type { Broker, BrokerMessage, BrokerStatus, BrokerSubscription, KeyValue, KeyValueOptions, SubscribeOptions } from './broker.js';
export { ClusterError } from './errors.js';
export { natsSessionStore, NatsSessionStore, decodeSnapshot, type NatsSessionStoreOptions } from './session-store.js';
