/**
 * The sender's retained envelopes: sequenced envelopes sent (or waiting to be sent) and not yet
 * acknowledged, oldest first. Parallel arrays in a ring that doubles when full, so keeping a
 * message costs no object: seq of entry i is `first + i`.
 */
export class RetainedRing {
  private kinds: Uint8Array;
  private ids: Float64Array;
  private payloads: (Uint8Array | string | undefined)[];
  /** ERR: the code (the message is the payload). MSG, REQ: the origin, '' for none. */
  private aux: string[];
  private sizes: Float64Array;
  private head = 0;
  private count = 0;
  /** Payload bytes retained (string payloads count their length in UTF-16 code units). */
  bytes = 0;

  constructor(capacity = 16) {
    this.kinds = new Uint8Array(capacity);
    this.ids = new Float64Array(capacity);
    this.payloads = new Array(capacity);
    this.aux = new Array(capacity);
    this.sizes = new Float64Array(capacity);
  }

  get length(): number {
    return this.count;
  }

  push(kind: number, id: number, payload: Uint8Array | string | undefined, aux: string): void {
    if (this.count === this.kinds.length) this.grow();
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
  shift(n: number): void {
    const mask = this.kinds.length - 1;
    for (let k = 0; k < n && this.count > 0; k++) {
      const i = this.head;
      this.bytes -= this.sizes[i]!;
      this.payloads[i] = undefined;
      this.aux[i] = '';
      this.head = (i + 1) & mask;
      this.count--;
    }
  }

  kind(k: number): number { return this.kinds[this.at(k)]!; }
  id(k: number): number { return this.ids[this.at(k)]!; }
  payload(k: number): Uint8Array | string | undefined { return this.payloads[this.at(k)]; }
  auxOf(k: number): string { return this.aux[this.at(k)]!; }
  setAux(k: number, v: string): void { this.aux[this.at(k)] = v; }

  clear(): void {
    this.shift(this.count);
    this.head = 0;
    this.bytes = 0;
  }

  private at(k: number): number {
    return (this.head + k) & (this.kinds.length - 1);
  }

  private grow(): void {
    const cap = this.kinds.length * 2;
    const kinds = new Uint8Array(cap);
    const ids = new Float64Array(cap);
    const payloads: (Uint8Array | string | undefined)[] = new Array(cap);
    const aux: string[] = new Array(cap);
    const sizes = new Float64Array(cap);
    for (let k = 0; k < this.count; k++) {
      const i = this.at(k);
      kinds[k] = this.kinds[i]!;
      ids[k] = this.ids[i]!;
      payloads[k] = this.payloads[i];
      aux[k] = this.aux[i]!;
      sizes[k] = this.sizes[i]!;
    }
    this.kinds = kinds;
    this.ids = ids;
    this.payloads = payloads;
    this.aux = aux;
    this.sizes = sizes;
    this.head = 0;
  }
}
