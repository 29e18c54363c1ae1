/**
 * WebSocket (RFC 6455) with permessage-deflate (RFC 7692), sans-I/O: the opening handshake, frames,
 * close codes, UTF-8 validation, extension negotiation and the protocol state machine. SHA-1,
 * random bytes and DEFLATE are injected, and so may be a faster masking function (see
 * src/transport/ws-crypto.ts, src/transport/ws-mask.ts and src/transport/deflate.ts for the Node
 * versions). docs/websocket-protocol.md is the guide.
 */
export { WebSocketError, HandshakeError } from './errors.js';
export { base64Encode, base64Decode } from './base64.js';
export { Utf8Validator, isValidUtf8, utf8Length } from './utf8.js';
export { CloseCode, MAX_CLOSE_REASON, isValidCloseCode, parseClosePayload, closePayload, truncateUtf8, type CloseInfo } from './close.js';
export { Opcode, MAX_CONTROL_PAYLOAD, parseFrameHeader, frameHeaderLength, writeFrameHeader, writeFrame, applyMask, type MaskFunction, type Role, type FrameHeader, type FrameParseOptions, } from './frame.js';
export { HttpHeaders, HttpHeadReader, requestHeadReader, responseHeadReader, isToken, isFieldValue, splitList, listHasToken, type HttpHeadLimits, type HttpRequestHead, type HttpResponseHead, } from './http-head.js';
export { PERMESSAGE_DEFLATE, parseExtensions, formatExtensions, deflateOffer, negotiateDeflate, acceptDeflateResponse, type Extension, type DeflateParams, type DeflateOptions, type DeflateAgreement, type Compressor, type CompressorFactory, } from './deflate.js';
export { WEBSOCKET_GUID, acceptKey, generateKey, httpErrorResponse, handshakeErrorResponse, parseUpgradeRequest, acceptUpgrade, ServerHandshake, ClientHandshake, type Sha1, type RandomBytes, type UpgradeRequest, type HandshakeRefusal, type AcceptOptions, type AcceptedUpgrade, type ServerHandshakeOptions, type ServerHandshakeResult, type ClientHandshakeOptions, type ClientHandshakeResult, } from './handshake.js';
export { WebSocketProtocol, WsState, type WsEvent, type WebSocketLimits, type WebSocketProtocolOptions, type SendOptions, } from './protocol.js';
export { webSocketFraming, type WebSocketFramingOptions } from './framing.js';
