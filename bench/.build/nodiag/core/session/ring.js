/**
 * The sender's retained envelopes: sequenced envelopes sent (or waiting to be sent) and not yet
 * acknowledged, oldest first. Parallel arrays in a ring that doubles when full, so keeping a
 * message costs no object: seq of entry i is `first + i`.
 */
export class RetainedRing {
    kinds;
    ids;
    payloads;
    /** ERR: the code (the message is the payload). MSG, REQ: the origin, '' for none. */
    aux;
    sizes;
    head = 0;
    count = 0;
    /** Payload bytes retained (string payloads count their length in UTF-16 code units). */
    bytes = 0;
    constructor(capacity = 16) {
        this.kinds = new Uint8Array(capacity);
        this.ids = new Float64Array(capacity);
        this.payloads = new Array(capacity);
        this.aux = new Array(capacity);
        this.sizes = new Float64Array(capacity);
    }
    get length() {
        return this.count;
    }
    push(kind, id, payload, aux) {
        if (this.count === this.kinds.length)
            this.grow();
        const i = (this.head + this.count) & (this.kinds.length - 1);
        const size = payload === undefined ? 0 : payload.length;
        this.kinds[i] = kind;
        this.ids[i] = id;
        this.payloads[i] = payload;
        this.aux[i] = aux;
        this.sizes[i] = size;
        this.bytes += size;
        this.count++;
    }
    /** Drops the `n` oldest entries. */
    shift(n) {
        const mask = this.kinds.length - 1;
        for (let k = 0; k < n && this.count > 0; k++) {
            const i = this.head;
            this.bytes -= this.sizes[i];
            this.payloads[i] = undefined;
            this.aux[i] = '';
            this.head = (i + 1) & mask;
            this.count--;
        }
    }
    kind(k) { return this.kinds[this.at(k)]; }
    id(k) { return this.ids[this.at(k)]; }
    payload(k) { return this.payloads[this.at(k)]; }
    auxOf(k) { return this.aux[this.at(k)]; }
    setAux(k, v) { this.aux[this.at(k)] = v; }
    clear() {
        this.shift(this.count);
        this.head = 0;
        this.bytes = 0;
    }
    at(k) {
        return (this.head + k) & (this.kinds.length - 1);
    }
    grow() {
        const cap = this.kinds.length * 2;
        const kinds = new Uint8Array(cap);
        const ids = new Float64Array(cap);
        const payloads = new Array(cap);
        const aux = new Array(cap);
        const sizes = new Float64Array(cap);
        for (let k = 0; k < this.count; k++) {
            const i = this.at(k);
            kinds[k] = this.kinds[i];
            ids[k] = this.ids[i];
            payloads[k] = this.payloads[i];
            aux[k] = this.aux[i];
            sizes[k] = this.sizes[i];
        }
        this.kinds = kinds;
        this.ids = ids;
        this.payloads = payloads;
        this.aux = aux;
        this.sizes = sizes;
        this.head = 0;
    }
}
