import type { Scenario } from './scenario.js';
export declare const websocket: Scenario;
