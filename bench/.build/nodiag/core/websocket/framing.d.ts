import type { Framing } from '../framing/framer.js';
import type { Compressor } from './deflate.js';
import type { MaskFunction, Role } from './frame.js';
import type { RandomBytes } from './handshake.js';
import { type WebSocketLimits } from './protocol.js';
export interface WebSocketFramingOptions {
    role: Role;
    /** Random bytes for masking keys (clients). */
    random: RandomBytes;
    /** Makes the permessage-deflate compressor of one connection, when the handshake negotiated it. */
    compressor?: () => Compressor;
    limits?: WebSocketLimits;
    /** Masks and unmasks payloads. @default applyMask (portable JavaScript) */
    mask?: MaskFunction;
}
/** A framing whose framers speak WebSocket frames (RFC 6455) over an open, upgraded link. */
export declare function webSocketFraming(options: WebSocketFramingOptions): Framing;
