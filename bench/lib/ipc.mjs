// IPC between a benchmark worker and the orchestrator (worker side).

/** Sends one message to the parent over IPC (no-op when run by hand without a parent). */
export function tell(msg) {
  if (process.send) process.send(msg);
  else process.stdout.write(JSON.stringify(msg) + '\n');
}

/** Resolves with the next IPC message from the parent of the given type. */
const waiting = new Map();
const early = [];
process.on('message', (m) => {
  if (m?.type === 'exit') process.exit(0); // a normal exit writes --cpu-prof profiles
  const w = waiting.get(m?.type);
  if (w) {
    waiting.delete(m.type);
    w(m);
  } else early.push(m);
});
export function expect(type) {
  const i = early.findIndex((m) => m?.type === type);
  if (i >= 0) return Promise.resolve(early.splice(i, 1)[0]);
  return new Promise((resolve) => waiting.set(type, resolve));
}
