import { SwitchboardError } from '../core/index.js';

/** The cluster layer failed: no NATS client installed, the broker unreachable, a message over its size, a malformed envelope. */
export class ClusterError extends SwitchboardError {
  override name = 'ClusterError';
}
