/**
 * Every error Switchboard raises carries a stable `code` from {@link ErrorCode}.
 * The table in docs/errors.md lists them all; a test keeps the two in step.
 *
 * Messages say what was seen and what was expected. They are for the local log:
 * nothing here is ever written to the peer.
 */

export const ErrorCode = {
  // framing (core)
  FRAME_TOO_LARGE: 'FRAME_TOO_LARGE',
  FRAME_TRUNCATED: 'FRAME_TRUNCATED',
  FRAME_INVALID: 'FRAME_INVALID',
  // codecs (core)
  DECODE_FAILED: 'DECODE_FAILED',
  INVALID_UTF8: 'INVALID_UTF8',
  INVALID_JSON: 'INVALID_JSON',
  ENCODE_FAILED: 'ENCODE_FAILED',
  MESSAGE_TOO_LARGE: 'MESSAGE_TOO_LARGE',
  // configuration
  INVALID_ADDRESS: 'INVALID_ADDRESS',
  INVALID_OPTION: 'INVALID_OPTION',
  // connecting
  CONNECT_TIMEOUT: 'CONNECT_TIMEOUT',
  CONNECT_FAILED: 'CONNECT_FAILED',
  HANDSHAKE_TIMEOUT: 'HANDSHAKE_TIMEOUT',
  HANDSHAKE_REJECTED: 'HANDSHAKE_REJECTED',
  // a live connection
  CONNECTION_CLOSED: 'CONNECTION_CLOSED',
  CONNECTION_RESET: 'CONNECTION_RESET',
  TRANSPORT_ERROR: 'TRANSPORT_ERROR',
  HEARTBEAT_TIMEOUT: 'HEARTBEAT_TIMEOUT',
  IDLE_TIMEOUT: 'IDLE_TIMEOUT',
  CLOSE_TIMEOUT: 'CLOSE_TIMEOUT',
  SEND_OVERFLOW: 'SEND_OVERFLOW',
  RECEIVE_MODE_CONFLICT: 'RECEIVE_MODE_CONFLICT',
  RECEIVE_TIMEOUT: 'RECEIVE_TIMEOUT',
  RECEIVE_OVERFLOW: 'RECEIVE_OVERFLOW',
  PING_TIMEOUT: 'PING_TIMEOUT',
  HOOK_FAILED: 'HOOK_FAILED',
  FIRST_MESSAGE_TIMEOUT: 'FIRST_MESSAGE_TIMEOUT',
  MEMORY_BUDGET_EXCEEDED: 'MEMORY_BUDGET_EXCEEDED',
  // servers
  MAX_CONNECTIONS: 'MAX_CONNECTIONS',
  SERVER_CLOSED: 'SERVER_CLOSED',
  LISTEN_FAILED: 'LISTEN_FAILED',
  // named messages (core)
  MESSAGE_INVALID_NAME: 'MESSAGE_INVALID_NAME',
  MESSAGE_INVALID_VALUE: 'MESSAGE_INVALID_VALUE',
  MESSAGE_SYNTAX: 'MESSAGE_SYNTAX',
  MESSAGE_LINE_TOO_LONG: 'MESSAGE_LINE_TOO_LONG',
  MESSAGE_PARAMETER_MISSING: 'MESSAGE_PARAMETER_MISSING',
  MESSAGE_PARAMETER_INVALID: 'MESSAGE_PARAMETER_INVALID',
  // websocket (core)
  WS_INVALID_FRAME: 'WS_INVALID_FRAME',
  WS_INVALID_CLOSE: 'WS_INVALID_CLOSE',
  WS_INVALID_UTF8: 'WS_INVALID_UTF8',
  WS_INFLATE_FAILED: 'WS_INFLATE_FAILED',
  WS_MESSAGE_TOO_LARGE: 'WS_MESSAGE_TOO_LARGE',
  WS_BAD_REQUEST: 'WS_BAD_REQUEST',
  WS_HEAD_TOO_LARGE: 'WS_HEAD_TOO_LARGE',
  WS_UNSUPPORTED_VERSION: 'WS_UNSUPPORTED_VERSION',
  WS_HANDSHAKE_REFUSED: 'WS_HANDSHAKE_REFUSED',
  WS_HANDSHAKE_FAILED: 'WS_HANDSHAKE_FAILED',
  WS_INVALID_ARGUMENT: 'WS_INVALID_ARGUMENT',
  // dispatch
  DISPATCH_HANDLER_FAILED: 'DISPATCH_HANDLER_FAILED',
  DISPATCH_INVALID_PARAMETERS: 'DISPATCH_INVALID_PARAMETERS',
  DISPATCH_OVERLOADED: 'DISPATCH_OVERLOADED',
  // sessions (core/session)
  ENVELOPE_INVALID: 'ENVELOPE_INVALID',
  SESSION_PROTOCOL_ERROR: 'SESSION_PROTOCOL_ERROR',
  SESSION_VERSION_UNSUPPORTED: 'SESSION_VERSION_UNSUPPORTED',
  SESSION_FORBIDDEN: 'SESSION_FORBIDDEN',
  SESSION_UNKNOWN: 'SESSION_UNKNOWN',
  SESSION_EXPIRED: 'SESSION_EXPIRED',
  SESSION_ENDED: 'SESSION_ENDED',
  SESSION_STORE_FAILED: 'SESSION_STORE_FAILED',
  SESSION_STORE_TIMEOUT: 'SESSION_STORE_TIMEOUT',
  // requests (core/session)
  REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  REQUEST_ABORTED: 'REQUEST_ABORTED',
  REQUEST_FAILED: 'REQUEST_FAILED',
  NO_HANDLER: 'NO_HANDLER',
  TOO_MANY_REQUESTS: 'TOO_MANY_REQUESTS',
  // datagrams
  SECRET_CODE_MISMATCH: 'SECRET_CODE_MISMATCH',
  DATAGRAM_QUEUE_FULL: 'DATAGRAM_QUEUE_FULL',
  UNIXGRAM_UNAVAILABLE: 'UNIXGRAM_UNAVAILABLE',
  // rooms (endpoint) and the cluster (cluster/)
  ROOM_INVALID_NAME: 'ROOM_INVALID_NAME',
  ROOM_FORBIDDEN: 'ROOM_FORBIDDEN',
  ROOM_LIMIT: 'ROOM_LIMIT',
  CLUSTER_CLIENT_MISSING: 'CLUSTER_CLIENT_MISSING',
  CLUSTER_CONNECT_FAILED: 'CLUSTER_CONNECT_FAILED',
  CLUSTER_PAYLOAD_TOO_LARGE: 'CLUSTER_PAYLOAD_TOO_LARGE',
  CLUSTER_ENVELOPE_INVALID: 'CLUSTER_ENVELOPE_INVALID',
  CLUSTER_CLOSED: 'CLUSTER_CLOSED',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface SwitchboardErrorOptions {
  cause?: unknown;
  /** Extra facts for the local log (address, attempts, sizes...). Never sent to the peer. */
  details?: Record<string, unknown>;
  /** The WebSocket close code this error closes a connection with (RFC 6455 7.4), where one applies. */
  closeCode?: number;
}

/** Base class of every error Switchboard raises. Match on `code`, not on the message text. */
export class SwitchboardError extends Error {
  override name = 'SwitchboardError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  /** The WebSocket close code sent to the peer when this error closes a WebSocket connection. */
  readonly closeCode: number | undefined;

  constructor(code: ErrorCode, message: string, options: SwitchboardErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
    this.closeCode = options.closeCode;
  }
}

/** Bytes on the wire do not form a valid frame. */
export class FramingError extends SwitchboardError {
  override name = 'FramingError';
}

/** A frame's payload could not be turned into a message, or a message into bytes. */
export class CodecError extends SwitchboardError {
  override name = 'CodecError';
}

/** Bad options or a bad address given by the program (not by the peer). */
export class ConfigError extends SwitchboardError {
  override name = 'ConfigError';
}

/** Getting connected failed: timeout, refused, handshake hook rejected. */
export class ConnectError extends SwitchboardError {
  override name = 'ConnectError';
}

/** Something went wrong on an established connection. */
export class ConnectionError extends SwitchboardError {
  override name = 'ConnectionError';
}

/** A server could not listen, or refused a connection. */
export class ServerError extends SwitchboardError {
  override name = 'ServerError';
}

export function isSwitchboardError(err: unknown): err is SwitchboardError {
  return err instanceof SwitchboardError;
}

/** Human-readable byte counts for error messages: `70000 bytes`. */
export function bytes(n: number): string {
  return n === 1 ? '1 byte' : `${n} bytes`;
}
