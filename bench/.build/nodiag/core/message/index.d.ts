/** eventdispatcher named messages: the `Message` value, the line and JSON forms, typed parameters, codec and presets. */
export { Message, message, isMessage, paramText, MESSAGE_VERSION, VERSION_PARAMETER, type ParamValue, type ParamsInput, type MessageRoute, type MessageFields, } from './message.js';
export { parseMessage, serializeMessage, toJson, jsonObject, type ParseOptions, type MessageJsonObject, type MessageParts } from './format.js';
export { parseInteger, parseBigInteger, formatInteger, parseBoolean, formatBoolean, TRUE_WORDS, FALSE_WORDS, parseTimespec, formatTimespec, timespecFromMs, timespecToMs, parseParamAddress, formatParamAddress, isIPv4, isIPv6, type IntegerRange, type BigIntegerRange, type Timespec, type ParamAddress, type ParseAddressOptions, } from './params.js';
export { namedMessageCodec, namedMessageLines, namedMessages, namedMessageDatagrams, type NamedMessageFormat, type NamedMessageCodecOptions, type NamedMessageLinesOptions, type NamedMessagesOptions, type NamedMessageDatagramsOptions, } from './codec.js';
export { MessageError, MessageParseError, type MessageErrorCode, type MessageParseErrorCode } from './errors.js';
