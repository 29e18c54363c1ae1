/**
 * The sender's retained envelopes: sequenced envelopes sent (or waiting to be sent) and not yet
 * acknowledged, oldest first. Parallel arrays in a ring that doubles when full, so keeping a
 * message costs no object: seq of entry i is `first + i`.
 */
export declare class RetainedRing {
    private kinds;
    private ids;
    private payloads;
    /** ERR: the code (the message is the payload). MSG, REQ: the origin, '' for none. */
    private aux;
    private sizes;
    private head;
    private count;
    /** Payload bytes retained (string payloads count their length in UTF-16 code units). */
    bytes: number;
    constructor(capacity?: number);
    get length(): number;
    push(kind: number, id: number, payload: Uint8Array | string | undefined, aux: string): void;
    /** Drops the `n` oldest entries. */
    shift(n: number): void;
    kind(k: number): number;
    id(k: number): number;
    payload(k: number): Uint8Array | string | undefined;
    auxOf(k: number): string;
    setAux(k: number, v: string): void;
    clear(): void;
    private at;
    private grow;
}
