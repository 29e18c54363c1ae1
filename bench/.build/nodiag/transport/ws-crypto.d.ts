import type { RandomBytes, Sha1 } from '../core/websocket/index.js';
/** SHA-1 digest of `data` (20 bytes). */
export declare const nodeSha1: Sha1;
/** `n` cryptographically strong random bytes. */
export declare const nodeRandom: RandomBytes;
