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
export class RequestTable {
    ownMax;
    peerMax;
    nextId = 1;
    pending = new Map();
    inbound = new Set();
    /** Answers (RES/ERR) for ids we never sent or already settled. */
    unknownAnswers = 0;
    /** Answers that arrived after the caller gave up (abort, timeout). */
    lateAnswers = 0;
    /** `ownMax`: inbound requests we accept at once. `peerMax`: what the peer accepts (0 until known). */
    constructor(ownMax, peerMax = 0) {
        this.ownMax = ownMax;
        this.peerMax = peerMax;
    }
    /** Requests we may still send: the smaller of our own limit and the peer's announced one. */
    get room() {
        const max = this.peerMax > 0 && this.peerMax < this.ownMax ? this.peerMax : this.ownMax;
        return max - this.pending.size;
    }
    /** A new outgoing request whose REQ has sequence number `seq`. */
    open(seq) {
        const id = this.nextId++;
        this.pending.set(id, { seq, abandoned: false });
        return id;
    }
    /** The next id `open` will hand out (for snapshots). */
    get nextRequestId() {
        return this.nextId;
    }
    set nextRequestId(v) {
        this.nextId = v;
    }
    /** An answer for `id` arrived: whether the caller is still waiting for it. Removes the entry. */
    settle(id) {
        const p = this.pending.get(id);
        if (p === undefined) {
            this.unknownAnswers++;
            return 'unknown';
        }
        this.pending.delete(id);
        if (p.abandoned) {
            this.lateAnswers++;
            return 'abandoned';
        }
        return 'live';
    }
    /** The caller gives up on `id`: true when it was waiting (the CANCEL must be sent). */
    abandon(id) {
        const p = this.pending.get(id);
        if (p === undefined || p.abandoned)
            return false;
        p.abandoned = true;
        return true;
    }
    /** Ids the caller still waits for, in the order they were sent; clears the table. */
    takeAllLive() {
        const ids = [];
        for (const [id, p] of this.pending)
            if (!p.abandoned)
                ids.push(id);
        this.pending.clear();
        return ids;
    }
    /** A REQ for `id` arrived. */
    receive(id) {
        if (this.inbound.has(id))
            return 'duplicate';
        if (this.inbound.size >= this.ownMax)
            return 'full';
        this.inbound.add(id);
        return 'ok';
    }
    /** We answer `id`: true when it was in flight (the answer must be sent). */
    answer(id) {
        return this.inbound.delete(id);
    }
}
