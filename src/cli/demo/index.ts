import { cljTcp } from './clj-tcp.js';
import { leads } from './leads.js';
import { links } from './links.js';
import { websocket } from './websocket.js';
import type { Scenario } from './scenario.js';

/** Every demo scenario, in the order `switchboard demo` runs them. */
export const scenarios: readonly Scenario[] = [links, leads, cljTcp, websocket];

export type { Scenario } from './scenario.js';
