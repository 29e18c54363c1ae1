/** Named-message dispatch: route received messages to handlers by command, with eventdispatcher's built-in commands. */
export { Dispatcher, PASS, BUILTIN_TAG, PRIORITY_FIRST, PRIORITY_DEFAULT, PRIORITY_LAST, } from './dispatcher.js';
export { BUILTIN_COMMANDS } from './builtins.js';
export { ParamType, parameterProblems, checkSchema } from './schema.js';
export { DispatchError } from './errors.js';
export { dispatcherOptions } from './attach.js';
