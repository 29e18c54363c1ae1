export interface HistogramSnapshot {
    readonly count: number;
    readonly sum: number;
    readonly min: number;
    readonly max: number;
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly p999: number;
}
export declare class Histogram {
    private counts;
    private _count;
    private _sum;
    private _min;
    private _max;
    record(value: number): void;
    get count(): number;
    get sum(): number;
    get max(): number;
    get min(): number;
    /**
     * The value at percentile `p` (0..100): the highest value of the bucket holding it, capped at the
     * largest value recorded (so p100 is the exact maximum). 0 when empty.
     */
    percentile(p: number): number;
    /** How many recorded values are at most `v` (counted by bucket: exact to the bucket's width). */
    countAtOrBelow(v: number): number;
    /** Adds another histogram's values to this one. */
    merge(other: Histogram): void;
    reset(): void;
    snapshot(): HistogramSnapshot;
}
