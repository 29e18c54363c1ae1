/**
 * Request bookkeeping of one session side: both tables, no I/O, no timers.
 *
 * Requester side (`pending`): an id per request, from 1, never reused in the machine's lifetime
 * (so an answer can never be matched to the wrong request, even across a new session). An entry
 * lives from REQ until the peer's RES or ERR for that id arrives, even when the caller already gave
 * up (abort, timeout: the entry is then `abandoned`, the caller was rejected at once, and the
 * late answer is dropped and counted). Keeping the slot until the answer is what lets the
 * responder count the same requests we count (MQTT 5 Receive Maximum works the same way: a slot
 * frees when the acknowledgement arrives, 4.9 Flow Control).
 *
 * Responder side (`inbound`): ids received and not yet answered. More than we announced
 * (`maxRequests` in our HELLO/WELCOME) is the peer breaking the protocol: `TOO_MANY_REQUESTS`
 * (MQTT 5 3.3.4: "Receive Maximum exceeded" closes the connection).
 *
 *     requester                                 responder
 *     pending += id ── REQ seq,id ──────────►  inbound += id ── handler(ctx)
 *                     ◄──────── RES/ERR id ──  inbound -= id      (answer or error code)
 *     pending -= id
 *
 *     abort/timeout: reject at once, entry abandoned,
 *                  ── CANCEL id ────────────►  inbound -= id, ctx.signal aborts
 *                     ◄── ERR id REQUEST_ABORTED (sent by the core, at once)
 *     pending -= id (late answer dropped, counted)
 */
export interface PendingRequest {
    /** Sequence number of the REQ envelope in the current session (it changes when a new session re-sends it). */
    seq: number;
    /** The caller was already rejected (abort, timeout); the answer, when it comes, is dropped. */
    abandoned: boolean;
}
export declare class RequestTable {
    ownMax: number;
    peerMax: number;
    private nextId;
    readonly pending: Map<number, PendingRequest>;
    readonly inbound: Set<number>;
    /** Answers (RES/ERR) for ids we never sent or already settled. */
    unknownAnswers: number;
    /** Answers that arrived after the caller gave up (abort, timeout). */
    lateAnswers: number;
    /** `ownMax`: inbound requests we accept at once. `peerMax`: what the peer accepts (0 until known). */
    constructor(ownMax: number, peerMax?: number);
    /** Requests we may still send: the smaller of our own limit and the peer's announced one. */
    get room(): number;
    /** A new outgoing request whose REQ has sequence number `seq`. */
    open(seq: number): number;
    /** The next id `open` will hand out (for snapshots). */
    get nextRequestId(): number;
    set nextRequestId(v: number);
    /** An answer for `id` arrived: whether the caller is still waiting for it. Removes the entry. */
    settle(id: number): 'live' | 'abandoned' | 'unknown';
    /** The caller gives up on `id`: true when it was waiting (the CANCEL must be sent). */
    abandon(id: number): boolean;
    /** Ids the caller still waits for, in the order they were sent; clears the table. */
    takeAllLive(): number[];
    /** A REQ for `id` arrived. */
    receive(id: number): 'ok' | 'duplicate' | 'full';
    /** We answer `id`: true when it was in flight (the answer must be sent). */
    answer(id: number): boolean;
}
