/** A demo scenario: a seed system's experience, replayed with Switchboard on loopback. */
export interface Scenario {
  /** `switchboard demo NAME` */
  readonly name: string;
  readonly title: string;
  run(out: (line: string) => void): Promise<void>;
}

/** Waits until `cond()` is true, checking every 5 ms, for at most `timeoutMs`. */
export async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
