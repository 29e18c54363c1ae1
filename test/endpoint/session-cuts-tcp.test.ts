/**
 * Sessions over TCP through a proxy that cuts every connection every 200 ms while 10,000
 * messages/s flow each way for 10 s: 0 lost, 0 duplicated, in order, within the caps.
 * The scenario is in session-cuts.ts.
 */
import { describe, it } from 'node:test';
import { runCutsScenario } from './session-cuts.js';

describe('sessions through a proxy that cuts every connection (tcp)', () => {
  it('delivers 10,000 msg/s each way for 10 s exactly once and in order while every connection is cut every 200 ms', async (t) => {
    await runCutsScenario(t, { scheme: 'tcp', durationMs: 10_000, rate: 10_000, cutEveryMs: 200 });
  });
});
