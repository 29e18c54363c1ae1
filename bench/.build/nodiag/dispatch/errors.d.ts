import { ErrorCode, SwitchboardError, type SwitchboardErrorOptions } from '../core/index.js';
/** The codes a {@link DispatchError} carries (`DISPATCH_*`). */
export type DispatchErrorCode = typeof ErrorCode.DISPATCH_HANDLER_FAILED | typeof ErrorCode.DISPATCH_INVALID_PARAMETERS | typeof ErrorCode.DISPATCH_OVERLOADED;
/**
 * Something went wrong while dispatching a received message: a handler or matcher threw
 * (`DISPATCH_HANDLER_FAILED`), a message failed its command's parameter schema
 * (`DISPATCH_INVALID_PARAMETERS`), or a peer has too many messages in async handlers at once
 * (`DISPATCH_OVERLOADED`). It is logged and given to the dispatcher's `onError`; it is never
 * thrown at the connection, and its text is never sent to the peer (the `INVALID` answer to a
 * schema failure only describes the peer's own message).
 */
export declare class DispatchError extends SwitchboardError {
    name: string;
    readonly code: DispatchErrorCode;
    constructor(code: DispatchErrorCode, message: string, options?: SwitchboardErrorOptions);
}
