/** Exit codes: 0 ok, 1 runtime failure (network, refused, bad input), 2 usage error. */
export const Exit = { ok: 0, failure: 1, usage: 2 };
