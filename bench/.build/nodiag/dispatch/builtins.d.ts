import type { Logger } from '../endpoint/index.js';
import type { Handler, LifecycleCallback } from './dispatcher.js';
/** The built-in commands, in the order they are tried (after every user handler). */
export declare const BUILTIN_COMMANDS: readonly ["HELP", "ALIVE", "READY", "STOP", "QUITTING", "RESTART", "LOG_ROTATE", "UNKNOWN", "INVALID"];
export type BuiltinCommand = (typeof BUILTIN_COMMANDS)[number];
/** What the built-in handlers need from their dispatcher. */
export interface BuiltinEnv {
    readonly logger: Logger & {
        reopen?(): void;
    };
    /** Milliseconds since the epoch. */
    now(): number;
    /** The list HELP sends. */
    commands(): string[];
    readonly onReady: LifecycleCallback | undefined;
    readonly onStop: LifecycleCallback | undefined;
    readonly onRestart: LifecycleCallback | undefined;
    readonly onLogRotate: LifecycleCallback | undefined;
    /** Logs without letting a throwing logger escape. */
    log(level: 'debug' | 'info' | 'warn' | 'error', line: string): void;
}
/** The handler of each built-in command. */
export declare function builtinHandlers(env: BuiltinEnv): Record<BuiltinCommand, Handler>;
