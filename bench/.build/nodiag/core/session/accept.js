/**
 * The server's first step on a connection: the first frame must be a HELLO. This turns it into
 * a session machine attached to the connection, or a refusal written to it.
 *
 *     first frame ─ decode ─┬─ not an envelope / not a HELLO ─────────► refused: ENVELOPE_INVALID /
 *                           │                                            SESSION_PROTOCOL_ERROR (no answer)
 *                           ├─ version we do not speak ───────────────► REFUSE SESSION_VERSION_UNSUPPORTED
 *                           ├─ no id ──────────────────────────────────► new machine, WELCOME resumed=0
 *                           ├─ id we do not hold (or expired) ─────────► new machine, WELCOME resumed=0
 *                           ├─ id held, wrong secret ──────────────────► REFUSE SESSION_FORBIDDEN
 *                           │                                            (the real session is not touched)
 *                           └─ id held, right secret ──────────────────► resume: a live machine is detached
 *                                                                        from its old connection (tookOver),
 *                                                                        a stored one restored; WELCOME
 *                                                                        resumed=1 + missing envelopes
 */
import { ErrorCode } from '../errors.js';
import { decodeEnvelope, emptyEnvelope, refuseHeader } from './envelope.js';
import { SessionError } from './errors.js';
import { SessionMachine, SessionState, classifyHello, } from './machine.js';
const scratch = emptyEnvelope();
/** Handles the first frame of a session connection. Never throws for bad input: it refuses. */
export function acceptSession(frame, write, now, ctx) {
    let hello;
    try {
        hello = decodeEnvelope(frame, scratch);
    }
    catch (err) {
        const error = err;
        // A version we do not speak: say which ones we do, so the client can retry (session-protocol.md "Versions").
        if (error.code === ErrorCode.SESSION_VERSION_UNSUPPORTED)
            write(refuseHeader(ErrorCode.SESSION_VERSION_UNSUPPORTED), undefined);
        return { type: 'refused', error };
    }
    if (hello.kind !== 'H') {
        return { type: 'refused', error: new SessionError(ErrorCode.SESSION_PROTOCOL_ERROR, `first envelope on a session connection is ${hello.kind}, expected HELLO (H)`) };
    }
    const held = hello.sessionId === '' ? undefined : ctx.lookup(hello.sessionId);
    const live = held instanceof SessionMachine ? held : undefined;
    let verdict;
    if (live !== undefined) {
        verdict = live.state === SessionState.ENDED || live.expiresAt <= now ? 'unknown' : live.ownsSecret(hello.secret) ? 'resume' : 'forbidden';
    }
    else {
        const snap = held;
        verdict = classifyHello(hello, snap === undefined ? undefined : { secret: snap.secret, expiresAt: snap.detachedAt + snap.retention }, now);
    }
    try {
        if (verdict === 'forbidden') {
            write(refuseHeader(ErrorCode.SESSION_FORBIDDEN), undefined);
            return {
                type: 'refused',
                error: new SessionError(ErrorCode.SESSION_FORBIDDEN, `HELLO for session ${hello.sessionId} with a secret that does not match; refused, the session is not touched`),
            };
        }
        if (verdict === 'resume') {
            let machine;
            let tookOver = false;
            if (live !== undefined) {
                machine = live;
                if (machine.state !== SessionState.DETACHED) {
                    machine.lost(now);
                    tookOver = true;
                }
            }
            else {
                machine = SessionMachine.restore(held, ctx.host(), ctx.options);
            }
            machine.accept(hello, write, now);
            return { type: 'accepted', machine, resumed: true, tookOver, previous: '' };
        }
        const machine = new SessionMachine('server', ctx.host(), ctx.options);
        machine.accept(hello, write, now);
        return { type: 'accepted', machine, resumed: false, tookOver: false, previous: verdict === 'unknown' ? hello.sessionId : '' };
    }
    catch (err) {
        if (err instanceof SessionError)
            return { type: 'refused', error: err };
        throw err;
    }
}
