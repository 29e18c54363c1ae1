/**
 * Sessions and requests, sans-I/O: the envelope, the per-side state machine, request
 * bookkeeping and the session store. See docs/sessions.md and docs/session-protocol.md.
 */
export {
  SESSION_PROTOCOL_VERSION,
  SESSION_VERSIONS,
  SESSION_HEADER_MAX,
  SESSION_ERROR_MESSAGE_MAX,
  EnvelopeKind,
  decodeEnvelope,
  peekSeq,
  encodeEnvelope,
  emptyEnvelope,
  joinEnvelope,
  refuseHeader,
  type Envelope,
  type EnvelopeFields,
} from './envelope.js';
export { SessionError, RequestError } from './errors.js';
export {
  SessionMachine,
  SessionState,
  classifyHello,
  randomToken,
  secretsEqual,
  type EnvelopeWriter,
  type RandomBytes,
  type SessionEvent,
  type SessionHost,
  type SessionOptions,
  type SessionSnapshot,
  type RetainedRecord,
  type SessionMeta,
} from './machine.js';
export { acceptSession, type AcceptOutcome, type AcceptContext } from './accept.js';
export { RequestTable, type PendingRequest } from './requests.js';
export { MemorySessionStore, snapshotBytes, isSessionLog, snapshotFromLog, type SessionStore, type MemorySessionStoreOptions, type SessionLog, type SessionLogEntry } from './store.js';
