import { type MaskFunction } from '../core/websocket/index.js';
/** The masking function WebSocket connections use, and whether it is native. */
export declare function webSocketMask(): {
    fn: MaskFunction;
    native: boolean;
};
