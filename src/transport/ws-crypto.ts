/**
 * The crypto the sans-I/O WebSocket core needs, from node:crypto: SHA-1 for
 * `Sec-WebSocket-Accept` and random bytes for `Sec-WebSocket-Key` and masking keys.
 */
import { createHash, randomFillSync } from 'node:crypto';
import type { RandomBytes, Sha1 } from '../core/websocket/index.js';

/** SHA-1 digest of `data` (20 bytes). */
export const nodeSha1: Sha1 = (data) => new Uint8Array(createHash('sha1').update(data).digest());

/** `n` cryptographically strong random bytes. */
export const nodeRandom: RandomBytes = (n) => randomFillSync(new Uint8Array(n));
