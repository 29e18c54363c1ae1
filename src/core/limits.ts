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
  /** Time a server's graceful close waits for its connections to drain, in ms. @default 5000 */
  drainTimeout: 5_000,
  /** Small writes are copied into slabs of this size and leave as one write. @default 64 KiB */
  writeSlabSize: 64 * KiB,
  /** Payloads at least this large are passed to the socket by reference instead of copied. @default 16 KiB */
  writeCopyThreshold: 16 * KiB,
} as const;

export type LimitName = keyof typeof Limits;
