import { cljTcp } from './clj-tcp.js';
import { leads } from './leads.js';
import { links } from './links.js';
import { websocket } from './websocket.js';
import { eventdispatcher } from './eventdispatcher.js';
/** Every demo scenario, in the order `switchboard demo` runs them. */
export const scenarios = [links, leads, cljTcp, websocket, eventdispatcher];
