import { SessionError } from './errors.js';
import { SessionMachine, type EnvelopeWriter, type SessionHost, type SessionOptions, type SessionSnapshot } from './machine.js';
export type AcceptOutcome = 
/**
 * `machine` is attached to this connection (WELCOME written). `resumed`: an existing session.
 * `tookOver`: the session was live on another connection, which the driver must now close
 * (the machine has already been detached from it). `previous`: the session id the HELLO
 * named when a new session was opened instead (unknown or expired), '' otherwise.
 */
{
    type: 'accepted';
    machine: SessionMachine;
    resumed: boolean;
    tookOver: boolean;
    previous: string;
}
/** Refused: a REFUSE was written when the peer should learn why; close the connection with `error`. */
 | {
    type: 'refused';
    error: SessionError;
};
export interface AcceptContext {
    /**
     * The session the HELLO names: its live machine (the driver's map of sessions) or the snapshot a
     * store holds (`store.get(id)`; await it before calling, for asynchronous stores).
     */
    lookup(id: string): SessionMachine | SessionSnapshot | undefined;
    /** The host of a new or restored machine. */
    host(): SessionHost;
    options: SessionOptions;
}
/** Handles the first frame of a session connection. Never throws for bad input: it refuses. */
export declare function acceptSession(frame: Uint8Array | string, write: EnvelopeWriter, now: number, ctx: AcceptContext): AcceptOutcome;
