/** eventdispatcher named messages: the `Message` value, the line and JSON forms, typed parameters, codec and presets. */
export { Message, message, isMessage, paramText, MESSAGE_VERSION, VERSION_PARAMETER, } from './message.js';
export { parseMessage, serializeMessage, toJson, jsonObject } from './format.js';
export { parseInteger, parseBigInteger, formatInteger, parseBoolean, formatBoolean, TRUE_WORDS, FALSE_WORDS, parseTimespec, formatTimespec, timespecFromMs, timespecToMs, parseParamAddress, formatParamAddress, isIPv4, isIPv6, } from './params.js';
export { namedMessageCodec, namedMessageLines, namedMessages, namedMessageDatagrams, } from './codec.js';
export { MessageError, MessageParseError } from './errors.js';
