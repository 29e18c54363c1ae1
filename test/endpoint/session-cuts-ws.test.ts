/**
 * The same as session-cuts-tcp.test.ts over WebSocket (the proxy cuts the TCP connections under
 * the WebSocket ones), shorter: 5 s each way at 10,000 messages/s. The scenario is in
 * session-cuts.ts.
 */
import { describe, it } from 'node:test';
import { runCutsScenario } from './session-cuts.js';

describe('sessions through a proxy that cuts every connection (ws)', () => {
  it('delivers 10,000 msg/s each way for 5 s exactly once and in order while every connection is cut every 200 ms', async (t) => {
    await runCutsScenario(t, { scheme: 'ws', durationMs: 5_000, rate: 10_000, cutEveryMs: 200 });
  });
});
