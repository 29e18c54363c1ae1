/**
 * Sessions and requests, sans-I/O: the envelope, the per-side state machine, request
 * bookkeeping and the session store. See docs/sessions.md and docs/session-protocol.md.
 */
export { SESSION_PROTOCOL_VERSION, SESSION_VERSIONS, SESSION_HEADER_MAX, SESSION_ERROR_MESSAGE_MAX, EnvelopeKind, decodeEnvelope, encodeEnvelope, emptyEnvelope, joinEnvelope, refuseHeader, } from './envelope.js';
export { SessionError, RequestError } from './errors.js';
export { SessionMachine, SessionState, classifyHello, randomToken, secretsEqual, } from './machine.js';
export { acceptSession } from './accept.js';
export { RequestTable } from './requests.js';
export { MemorySessionStore, snapshotBytes } from './store.js';
