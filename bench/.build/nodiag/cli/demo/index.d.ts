import type { Scenario } from './scenario.js';
/** Every demo scenario, in the order `switchboard demo` runs them. */
export declare const scenarios: readonly Scenario[];
export type { Scenario } from './scenario.js';
