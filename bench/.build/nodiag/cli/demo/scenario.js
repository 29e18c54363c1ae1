/** Waits until `cond()` is true, checking every 5 ms, for at most `timeoutMs`. */
export async function until(cond, what, timeoutMs = 5000) {
    const end = Date.now() + timeoutMs;
    while (!cond()) {
        if (Date.now() > end)
            throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 5));
    }
}
