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
export { CloseCode, MAX_CLOSE_REASON, isValidCloseCode, parseClosePayload, closePayload, truncateUtf8 } from './close.js';
export { Opcode, MAX_CONTROL_PAYLOAD, parseFrameHeader, frameHeaderLength, writeFrameHeader, writeFrame, applyMask, } from './frame.js';
export { HttpHeaders, HttpHeadReader, requestHeadReader, responseHeadReader, isToken, isFieldValue, splitList, listHasToken, } from './http-head.js';
export { PERMESSAGE_DEFLATE, parseExtensions, formatExtensions, deflateOffer, negotiateDeflate, acceptDeflateResponse, } from './deflate.js';
export { WEBSOCKET_GUID, acceptKey, generateKey, httpErrorResponse, handshakeErrorResponse, parseUpgradeRequest, acceptUpgrade, ServerHandshake, ClientHandshake, } from './handshake.js';
export { WebSocketProtocol, WsState, } from './protocol.js';
export { webSocketFraming } from './framing.js';
