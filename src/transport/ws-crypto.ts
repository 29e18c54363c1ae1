/**
 * The crypto the sans-I/O WebSocket core needs, from node:crypto: SHA-1 for
 * `Sec-WebSocket-Accept` and random bytes for `Sec-WebSocket-Key` and masking keys.
 */
import * as crypto from 'node:crypto';
import { createHash, randomFillSync } from 'node:crypto';
import type { RandomBytes, Sha1 } from '../core/websocket/index.js';

type OneShotHash = (algorithm: string, data: Uint8Array, encoding: 'buffer') => Buffer;
/** `crypto.hash` (Node 20.12+): one call, no Hash object per handshake. */
const oneShot = (crypto as unknown as { hash?: OneShotHash }).hash;

/** SHA-1 digest of `data` (20 bytes). */
export const nodeSha1: Sha1 = oneShot
  ? (data) => new Uint8Array(oneShot('sha1', data, 'buffer'))
  : (data) => new Uint8Array(createHash('sha1').update(data).digest());

/** `n` cryptographically strong random bytes. */
export const nodeRandom: RandomBytes = (n) => randomFillSync(new Uint8Array(n));
