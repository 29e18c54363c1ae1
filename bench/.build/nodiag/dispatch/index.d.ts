/** Named-message dispatch: route received messages to handlers by command, with eventdispatcher's built-in commands. */
export { Dispatcher, PASS, BUILTIN_TAG, PRIORITY_FIRST, PRIORITY_DEFAULT, PRIORITY_LAST, type Pass, type Handler, type HandlerOptions, type LifecycleCallback, type Matcher, type DispatchHandle, type DispatchTarget, type DispatchContext, type DispatchLogger, type DispatcherOptions, } from './dispatcher.js';
export { BUILTIN_COMMANDS, type BuiltinCommand } from './builtins.js';
export { ParamType, parameterProblems, checkSchema, type ParamRule, type ParamSchema, type CheckedSchema } from './schema.js';
export { DispatchError, type DispatchErrorCode } from './errors.js';
export { dispatcherOptions, type DispatchedOptions } from './attach.js';
