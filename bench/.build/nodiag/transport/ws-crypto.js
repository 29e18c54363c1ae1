/**
 * The crypto the sans-I/O WebSocket core needs, from node:crypto: SHA-1 for
 * `Sec-WebSocket-Accept` and random bytes for `Sec-WebSocket-Key` and masking keys.
 */
import * as crypto from 'node:crypto';
import { createHash, randomFillSync } from 'node:crypto';
/** `crypto.hash` (Node 20.12+): one call, no Hash object per handshake. */
const oneShot = crypto.hash;
/** SHA-1 digest of `data` (20 bytes). */
export const nodeSha1 = oneShot
    ? (data) => new Uint8Array(oneShot('sha1', data, 'buffer'))
    : (data) => new Uint8Array(createHash('sha1').update(data).digest());
/** `n` cryptographically strong random bytes. */
export const nodeRandom = (n) => randomFillSync(new Uint8Array(n));
