/**
 * The chat demo's application protocol: JSON messages over one WebSocket, checked and bounded
 * here, with no I/O. Rooms and presence live in the demo server, at application level (no
 * library rooms API yet).
 *
 *     page -> server                          server -> page
 *     { type: 'join', name, room }            { type: 'hello', rooms, epoch, limits }   on connect
 *     { type: 'say', text, as? }              { type: 'joined', room, name, members, history }
 *     { type: 'ping' }   (heartbeat)          { type: 'presence', room, members }
 *                                             { type: 'message', room, from, text, at, epoch, seq }
 *                                             { type: 'error', code, message }
 *                                             { type: 'pong' }   (heartbeat answer)
 *
 * Every input is bounded: names, texts, the room list, the members of a room, the history kept,
 * the messages a connection may send per second. Bad input gets an `error` reply with a stable
 * code (CHAT_CODES) and only the message is refused; floods are cut off.
 */

/** The error codes the chat server answers with (docs/cli.md lists them). */
export const ChatCode = {
  /** Not a JSON object with a known `type`. */
  BAD_REQUEST: 'BAD_REQUEST',
  /** The frame was not valid JSON. */
  INVALID_JSON: 'INVALID_JSON',
  /** A name that is empty, too long, or has control characters. */
  NAME_INVALID: 'NAME_INVALID',
  /** A room the server does not have. */
  ROOM_UNKNOWN: 'ROOM_UNKNOWN',
  /** The room has as many members as it may have. */
  ROOM_FULL: 'ROOM_FULL',
  /** `say` before `join`. */
  NOT_JOINED: 'NOT_JOINED',
  /** A text that is empty or too long. */
  TEXT_INVALID: 'TEXT_INVALID',
  /** More messages per second than allowed: the message was dropped. */
  RATE_LIMITED: 'RATE_LIMITED',
} as const;
export type ChatCode = (typeof ChatCode)[keyof typeof ChatCode];

/** The chat server's bounds. Each is a security limit: a client cannot make the server hold more. */
export const ChatLimits = {
  /** Characters in a name. */
  nameMax: 24,
  /** Characters in a message text. */
  textMax: 500,
  /** Bytes in one WebSocket message from a page (larger: close 1009, WS_MESSAGE_TOO_LARGE). */
  messageBytes: 4096,
  /** Members of one room. */
  roomMembers: 100,
  /** Messages a room remembers for those who join (or rejoin) later. */
  history: 50,
  /** Connections at once. */
  connections: 256,
  /** Messages a connection may send per second, on average ... */
  ratePerSecond: 10,
  /** ... and at once (token bucket). */
  rateBurst: 20,
  /** Messages refused for the rate in a row before the connection is closed (1008). */
  floodClose: 200,
} as const;

export const DEFAULT_ROOMS = ['lobby', 'dev', 'random'] as const;

export type ToServer =
  | { type: 'join'; name: string; room: string }
  /** `as`: who says it, so that a server that does not know the page yet (restarted) can join it first. */
  | { type: 'say'; text: string; as?: { name: unknown; room: unknown } }
  | { type: 'ping' };

export interface ChatMessage {
  type: 'message';
  room: string;
  from: string;
  text: string;
  /** Server time, ms since the epoch. */
  at: number;
  /** Random per server process: with `seq`, identifies a message across reconnects. */
  epoch: string;
  seq: number;
}

export type ToPage =
  | { type: 'hello'; rooms: string[]; epoch: string; limits: { nameMax: number; textMax: number } }
  | { type: 'joined'; room: string; name: string; members: string[]; history: ChatMessage[] }
  | { type: 'presence'; room: string; members: string[] }
  | ChatMessage
  | { type: 'error'; code: ChatCode; message: string }
  | { type: 'pong' };

export class ChatInputError extends Error {
  override name = 'ChatInputError';
  constructor(
    readonly code: ChatCode,
    message: string,
  ) {
    super(message);
  }
}

// C0, DEL, C1 controls, bidi overrides and isolates, line and paragraph separators.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;

/** A name as shown to everyone: trimmed, 1 to nameMax characters, no control characters. */
export function checkName(v: unknown): string {
  if (typeof v !== 'string') throw new ChatInputError(ChatCode.NAME_INVALID, `name must be a string, got ${typeof v}`);
  const name = v.trim();
  if (name.length === 0 || name.length > ChatLimits.nameMax) {
    throw new ChatInputError(ChatCode.NAME_INVALID, `name must be 1 to ${ChatLimits.nameMax} characters, got ${name.length}`);
  }
  if (CONTROL.test(name)) throw new ChatInputError(ChatCode.NAME_INVALID, 'name must not contain control characters');
  return name;
}

/** A message text: 1 to textMax characters; control characters other than tab and line feed are refused. */
export function checkText(v: unknown): string {
  if (typeof v !== 'string') throw new ChatInputError(ChatCode.TEXT_INVALID, `text must be a string, got ${typeof v}`);
  if (v.trim().length === 0 || v.length > ChatLimits.textMax) {
    throw new ChatInputError(ChatCode.TEXT_INVALID, `text must be 1 to ${ChatLimits.textMax} characters, got ${v.length}`);
  }
  if (CONTROL.test(v.replace(/[\t\n]/g, ' '))) throw new ChatInputError(ChatCode.TEXT_INVALID, 'text must not contain control characters');
  return v;
}

/** A decoded frame -> a request the server knows, or a BAD_REQUEST. */
export function parseRequest(v: unknown): ToServer {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ChatInputError(ChatCode.BAD_REQUEST, 'expected a JSON object');
  const t = (v as { type?: unknown }).type;
  if (t === 'join' || t === 'say' || t === 'ping') return v as ToServer;
  throw new ChatInputError(ChatCode.BAD_REQUEST, `unknown type ${JSON.stringify(t)?.slice(0, 40)}, expected join, say or ping`);
}

/**
 * A token bucket: `take(now)` is true while the connection is within `ratePerSecond` on average
 * and `rateBurst` at once. `refusedInARow` counts refusals since the last accepted message.
 */
export class RateLimit {
  private tokens: number = ChatLimits.rateBurst;
  private last: number;
  refusedInARow = 0;

  constructor(now: number) {
    this.last = now;
  }

  take(now: number): boolean {
    this.tokens = Math.min(ChatLimits.rateBurst, this.tokens + ((now - this.last) / 1000) * ChatLimits.ratePerSecond);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.refusedInARow = 0;
      return true;
    }
    this.refusedInARow++;
    return false;
  }
}

/** One room: its members (by member key) and the last `history` messages. */
export class Room<M> {
  readonly members = new Map<M, string>();
  readonly history: ChatMessage[] = [];

  constructor(readonly name: string) {}

  names(): string[] {
    return [...this.members.values()].sort((a, b) => a.localeCompare(b));
  }

  remember(msg: ChatMessage): void {
    this.history.push(msg);
    if (this.history.length > ChatLimits.history) this.history.shift();
  }
}
