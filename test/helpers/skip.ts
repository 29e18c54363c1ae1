/**
 * Suites that skip visibly. Node's test runner does not count the tests of a
 * `describe(name, { skip }, fn)` suite in its `# skipped` total: it never runs `fn`, so its tests
 * are never reported, and a run without the interop peers ended `# fail 0 # skipped 0` with 58
 * tests gone. {@link describeOrSkip} runs the suite's body either way; when `skip` is a reason,
 * every `it` in it is reported as skipped with that reason (and counted), and the hooks do
 * nothing, so no peer is started.
 *
 * The body receives `it`, `before`, `after`, `beforeEach`, `afterEach` and `describe`: name the
 * parameters like node:test's so the body reads the same as a plain suite.
 */
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';

type It = typeof it;
type Hook = typeof before;

export interface SuiteApi {
  it: It;
  before: Hook;
  after: Hook;
  beforeEach: Hook;
  afterEach: Hook;
  /** A nested suite that skips with its parent. */
  describe: (name: string, body: (api: SuiteApi) => void) => void;
}

function api(skip: string | false): SuiteApi {
  if (skip === false) {
    return { it, before, after, beforeEach, afterEach, describe: (name, body) => describe(name, () => body(api(false))) };
  }
  const noHook = (() => {}) as unknown as Hook;
  const skipped = ((name: string) => it(name, { skip }, () => {})) as unknown as It;
  return {
    it: skipped,
    before: noHook,
    after: noHook,
    beforeEach: noHook,
    afterEach: noHook,
    describe: (name, body) => describe(name, () => body(api(skip))),
  };
}

/**
 * `describe(name, body)` when `skip` is false; otherwise the same suite with each test reported as
 * skipped with the reason `skip` (so the run's `# skipped` counts every one) and its hooks not run.
 */
export function describeOrSkip(name: string, skip: string | false, body: (api: SuiteApi) => void): void {
  describe(name, () => body(api(skip)));
}
