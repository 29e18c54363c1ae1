import { namedMessages } from '../core/message/index.js';
import { chainCallbacks } from '../endpoint/index.js';
export function dispatcherOptions(dispatcher, options = {}) {
    return {
        ...options,
        protocol: options.protocol ?? namedMessages(),
        decodeErrors: options.decodeErrors ?? 'skip',
        callbacks: chainCallbacks(options.callbacks, dispatcher.callbacks()),
    };
}
