import { type Scenario } from './scenario.js';
export declare const eventdispatcher: Scenario;
