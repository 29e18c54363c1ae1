/**
 * Every default limit and timeout in one place. Each is a security limit: it caps what an
 * untrusted peer can make us buffer or wait for. The docs (docs/limits.md) list the same table.
 */

const KiB = 1024;
const MiB = 1024 * KiB;

export const Limits = {
  /** Largest frame a stream framer accepts, in bytes. @default 8 MiB */
  maxFrameSize: 8 * MiB,
  /** Largest datagram a datagram framer accepts, in bytes. @default 65507 */
  maxDatagramSize: 65_507,
  /** Largest chunk the raw (unframed) framer delivers at once, in bytes. @default 64 KiB */
  maxRawChunk: 64 * KiB,
  /** Messages decoded but not yet consumed before socket reads pause. @default 1024 */
  receiveQueueMessages: 1024,
  /** Queued outgoing bytes above which a send reports `backpressured`. @default 1 MiB */
  sendHighWaterMark: 1 * MiB,
  /** Queued outgoing bytes above which a send is refused (`dropped`) or the connection closed. @default 16 MiB */
  sendMaxQueuedBytes: 16 * MiB,
  /** Total time `connect()` may take, all attempts included, in ms. @default 10000 */
  connectTimeout: 10_000,
  /** Time the protocol's `onConnect` hook may take (login handshake), in ms. @default 10000 */
  handshakeTimeout: 10_000,
  /** Time a graceful close may take before the socket is destroyed, in ms. @default 5000 */
  closeTimeout: 5_000,
  /** Time `conn.ping()` waits for the pong, in ms. @default 10000 */
  pingTimeout: 10_000,
  /** Time a server's graceful close waits for its connections to drain, in ms. @default 5000 */
  drainTimeout: 5_000,
  /**
   * Bytes all connections of one server may hold at once in partial frames (received bytes
   * that do not make a whole frame yet, an unfinished WebSocket message) and outgoing queues.
   * Over it, the connection holding the most is closed with `MEMORY_BUDGET_EXCEEDED`.
   * @default 256 MiB
   */
  serverMemoryBudget: 256 * MiB,
  /**
   * Time a new server connection has to deliver its first whole message, in ms (WebSocket: the
   * upgrade request counts, bounded by `handshakeTimeout`). A silent peer, or one that parks a
   * partial frame, is closed with `FIRST_MESSAGE_TIMEOUT`. @default 30000
   */
  firstMessageTimeout: 30_000,
  /**
   * Connections the kernel queues for a listening socket before the server accepts them. Linux
   * caps it at `net.core.somaxconn` (4096 since kernel 5.4, 128 before). @default 4096
   */
  listenBacklog: 4096,
  /** Messages a permanent client keeps while disconnected. @default 1000 */
  outboxMessages: 1000,
  /** Encoded bytes a permanent client keeps while disconnected. @default 1 MiB */
  outboxBytes: 1 * MiB,
  /** Small writes are copied into slabs (2 KiB, doubling during bursts up to this size) and leave as one write. @default 64 KiB */
  writeSlabSize: 64 * KiB,
  /** Payloads at least this large are passed to the socket by reference instead of copied. @default 16 KiB */
  writeCopyThreshold: 16 * KiB,
  /**
   * Full-size (`writeSlabSize`) write slabs a process keeps for reuse once a socket took their
   * bytes, shared by all connections: bursts then refill the same memory instead of allocating
   * 64 KiB per flush. At most this many times 64 KiB per process (512 KiB). @default 8
   */
  writeSlabPool: 8,
  /** Largest named message (eventdispatcher format) on a stream, in UTF-8 bytes without the `\n`. @default 64 KiB */
  namedMessageMaxLine: 64 * KiB,
  /** Largest named message in one datagram, in bytes (eventdispatcher's `DATAGRAM_MAX_SIZE`). @default 1024 */
  namedMessageMaxDatagram: 1024,
  /**
   * Bytes of UDP datagrams handed to a datagram endpoint's socket that the kernel has not sent
   * yet, above which `send()` returns `dropped` instead of queueing more. @default 1 MiB
   */
  datagramMaxQueuedBytes: 1 * MiB,
  /**
   * Messages of one connection whose async dispatcher handlers have not finished yet, when the
   * dispatcher is attached with `callbacks()`. A peer that sends faster than its handlers finish
   * cannot make the dispatcher hold more. @default 1024
   */
  dispatchMaxPending: 1024,

  // Sessions and requests (core/session, docs/sessions.md)
  /**
   * Messages one side of a session keeps until the peer acknowledges them (sent or waiting to be
   * sent). Like MQTT 5's Receive Maximum, but counted by the sender. A peer that never
   * acknowledges cannot make us hold more. @default 4096
   */
  sessionMaxUnackedMessages: 4096,
  /** Payload bytes one side of a session keeps until the peer acknowledges them. @default 4 MiB */
  sessionMaxUnackedBytes: 4 * MiB,
  /** A receiver acknowledges at the latest after taking this many messages (cumulative ACK). @default 32 */
  sessionAckEvery: 32,
  /** A receiver acknowledges at the latest this long after taking a message it has not acknowledged, in ms. @default 20 */
  sessionAckDelay: 20,
  /** Time a disconnected session is kept for a resume before it expires, in ms. @default 120000 */
  sessionRetention: 120_000,
  /**
   * Total payload bytes a server keeps for its disconnected sessions (`MemorySessionStore`).
   * Above it the sessions closest to expiry are dropped first. @default 64 MiB
   */
  sessionStoreMaxBytes: 64 * MiB,
  /**
   * Time a server gives one operation of an external session store (`session.store`: get, put,
   * delete) before it gives up with `SESSION_STORE_TIMEOUT`, in ms. @default 2000
   */
  sessionStoreTimeout: 2000,
  /**
   * Frames a server keeps from a connection whose HELLO waits for the session store (a correct
   * client sends nothing before WELCOME); one more closes that connection with
   * `SESSION_PROTOCOL_ERROR`. @default 64
   */
  sessionStoreBacklog: 64,
  /**
   * Durable sessions: at most how many inbound seqs past the last one received the log allows the
   * application to be handed before the next log write lands (each write gives twice what arrived
   * during the previous one, at least 64; a larger lease pauses less, and
   * flags more of a dead node's client resends as possibly redelivered). @default 1024
   */
  sessionLogLease: 1024,
  /**
   * Durable sessions: frames (envelopes, acknowledgements, pongs) of one connection waiting for
   * their log write; one more closes that connection with `SESSION_STORE_FAILED` (the client
   * resumes when the store answers again). @default 16384
   */
  sessionLogMaxFrames: 16384,
  /** Durable sessions: wait before a failed log write is tried again, in ms. @default 250 */
  sessionLogRetry: 250,
  /**
   * Durable sessions: every connected session's log is written again in full this often, in ms,
   * so that the store's TTL never removes the log of a quiet session (keep the TTL above it).
   * @default 60000
   */
  sessionLogRefresh: 60_000,
  /**
   * Requests one side may have in flight on a session: sent and not answered (requester), or
   * received and not answered (responder). Each side announces its own in the handshake, as MQTT 5
   * announces Receive Maximum; a peer that exceeds it gets `TOO_MANY_REQUESTS`. @default 1024
   */
  sessionMaxRequests: 1024,
  /** Time a request waits for its answer, in ms. @default 30000 */
  requestTimeout: 30_000,

  // WebSocket (RFC 6455, RFC 7692) and its HTTP handshake
  /**
   * Largest WebSocket message delivered, in bytes: the sum of its fragments' payloads and, with
   * permessage-deflate, its size after inflating (a zip bomb stops here with close code 1009).
   * The same 8 MiB as `maxFrameSize`, so a message that fits a TCP framer fits a WebSocket.
   * @default 8 MiB
   */
  wsMaxMessageSize: 8 * MiB,
  /** Largest payload of one WebSocket frame, in bytes, checked from the header before the payload is buffered. @default 8 MiB */
  wsMaxFrameSize: 8 * MiB,
  /**
   * Most frames (fragments) one WebSocket message may be split into. Memory is bounded by bytes
   * (`wsMaxMessageSize`), not by this count: small fragments are coalesced as they arrive. This
   * only stops a message that never ends. 2^20, so 4 MiB in 64-byte fragments (65536) passes.
   * @default 1048576
   */
  wsMaxFragments: 1_048_576,
  /** Outgoing WebSocket messages smaller than this many bytes are sent uncompressed even when permessage-deflate is on. @default 1024 */
  wsCompressionThreshold: 1024,
  /** Longest line of an HTTP head (request line, status line or one header field), in bytes, without its CRLF. @default 8 KiB */
  httpMaxLineLength: 8 * KiB,
  /** Most header fields in one HTTP head. @default 100 */
  httpMaxHeaders: 100,
  /** Largest HTTP head, from the start line to the empty line included, in bytes. @default 16 KiB */
  httpMaxHeadSize: 16 * KiB,
  /** Longest room or service name, in characters (from the set in docs/cluster.md). @default 128 */
  maxRoomNameLength: 128,
  /** Rooms one connection may be in at once; one more join fails with `ROOM_LIMIT`. @default 1000 */
  maxRoomsPerConnection: 1000,
  /**
   * Bytes of cluster messages a node holds while its broker link is down; past it, each message
   * is dropped and counted (receivers see the gap in the room's sequence). @default 1 MiB
   */
  clusterOutageBytes: 1 * MiB,
  /** Time a cluster query waits for the nodes' answers before returning those it has, in ms. @default 2000 */
  clusterQueryTimeout: 2_000,
  /** A node silent for this long (no heartbeat) is forgotten and no longer expected to answer queries, in ms. @default 15000 */
  clusterNodeTimeout: 15_000,
} as const;

export type LimitName = keyof typeof Limits;
