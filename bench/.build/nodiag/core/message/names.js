/**
 * The naming rules of the eventdispatcher message format, in one place. Each check returns why
 * a name is refused (for an error message) or `undefined` when it is fine.
 *
 *     command            [A-Z0-9_]+                         FIRE, LOG_ROTATE, 404
 *     parameter name     [A-Za-z_][A-Za-z0-9_]*             name, timeout_date, _x
 *     server, service    [A-Za-z0-9_]*  or  "."  "*"  "?"   snapcommunicator, "" (none), "*" (broadcast)
 */
const COMMAND = /^[A-Z0-9_]+$/;
const PARAMETER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PEER = /^(?:[A-Za-z0-9_]*|[.*?])$/;
/** Characters a command may hold. */
export const isCommandChar = (c) => (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f;
/** Characters a parameter name may hold (the first one may not be a digit). */
export const isParameterChar = (c) => isCommandChar(c) || (c >= 0x61 && c <= 0x7a);
/** Why `command` is not a valid command, or `undefined`. */
export function commandProblem(command) {
    if (command === '')
        return 'a command is required and cannot be empty';
    if (!COMMAND.test(command))
        return `command ${show(command)} must be made of A-Z, 0-9 and _ only`;
    return undefined;
}
/** Why `name` is not a valid parameter name, or `undefined`. */
export function parameterNameProblem(name) {
    if (PARAMETER.test(name))
        return undefined;
    if (name === '')
        return 'a parameter name cannot be empty';
    if (/^[0-9]/.test(name))
        return `parameter name ${show(name)} must not start with a digit`;
    return `parameter name ${show(name)} must be made of A-Z, a-z, 0-9 and _ only`;
}
/** Why `name` is not a valid server or service name (`what` says which), or `undefined`. */
export function peerNameProblem(what, name) {
    if (PEER.test(name))
        return undefined;
    return `${what} name ${show(name)} must be made of A-Z, a-z, 0-9 and _ only, or be one of ".", "*", "?"`;
}
/** A name or value quoted for an error message, cut to a readable length. */
export function show(s, max = 40) {
    return JSON.stringify(s.length > max ? `${s.slice(0, max)}...` : s);
}
