/**
 * The naming rules of the eventdispatcher message format, in one place. Each check returns why
 * a name is refused (for an error message) or `undefined` when it is fine.
 *
 *     command            [A-Z0-9_]+                         FIRE, LOG_ROTATE, 404
 *     parameter name     [A-Za-z_][A-Za-z0-9_]*             name, timeout_date, _x
 *     server, service    [A-Za-z0-9_]*  or  "."  "*"  "?"   snapcommunicator, "" (none), "*" (broadcast)
 */
/** Characters a command may hold. */
export declare const isCommandChar: (c: number) => boolean;
/** Characters a parameter name may hold (the first one may not be a digit). */
export declare const isParameterChar: (c: number) => boolean;
/** Why `command` is not a valid command, or `undefined`. */
export declare function commandProblem(command: string): string | undefined;
/** Why `name` is not a valid parameter name, or `undefined`. */
export declare function parameterNameProblem(name: string): string | undefined;
/** Why `name` is not a valid server or service name (`what` says which), or `undefined`. */
export declare function peerNameProblem(what: string, name: string): string | undefined;
/** A name or value quoted for an error message, cut to a readable length. */
export declare function show(s: string, max?: number): string;
