/**
 * A Connection carries typed messages over one transport link. It is the same object for every
 * transport: send status, backpressure, callbacks or `for await`, protocol hooks, heartbeats.
 *
 * Bytes in:   socket chunk -> framer.push -> framer.next -> codec.decode -> hooks -> callbacks / queue
 * Bytes out:  send(msg) -> beforeSend -> codec.encode -> framer.encode into the write buffer
 *             -> one corked write per tick (microtask) -> socket
 *
 * States:
 *
 *     opening --(handshake hook done)--> open --(close() / peer FIN / error)--> closing --> closed
 *        \______________________(hook failed, socket gone)_____________________________/
 */
import {
  ConfigError,
  ConnectError,
  ConnectionError,
  ErrorCode,
  Limits,
  SendStatus,
  SwitchboardError,
  WriteBuffer,
  isSwitchboardError,
  type WriteBufferOptions,
  type FrameHead,
  type Framer,
  type Session,
  type HandshakeContext,
  type HookContext,
  type Protocol,
} from '../core/index.js';
import { SlabPool, compactPinned } from '../core/bytes.js';
import type { HeadSkip } from '../core/framing/framer.js';
import { joinAscii } from '../core/framing/length-prefix.js';
import { closePayload } from '../core/websocket/close.js';
import { allocUnsafe, utf8Write, type PeerCertificate, type StreamHandler, type StreamSocket } from '../transport/stream.js';
import { AsyncQueue } from './async-queue.js';
import type { Callbacks } from './callbacks.js';
import { diag, dropped } from './diagnostics.js';
import { DropReason, type Meter } from './metrics.js';
import type { RoomHost } from './rooms.js';

export type ConnectionState = 'opening' | 'open' | 'closing' | 'closed';

/** Why a connection closed. `closed` resolves with it; it never rejects. */
export interface CloseInfo {
  /** `local`: this side called close()/destroy(); `peer`: the peer ended or reset; `error`: bad input or a timeout. */
  readonly initiator: 'local' | 'peer' | 'error';
  /** The error that closed the connection, if one did. */
  readonly error: SwitchboardError | undefined;
  /** Both sides ended in order and no error happened. */
  readonly clean: boolean;
  /** WebSocket: the close code the peer sent, or the one we sent if the peer sent none. */
  readonly code?: number;
  /** WebSocket: the close reason that goes with `code`. */
  readonly reason?: string;
}

/** Options of a graceful close. */
export interface CloseOptions {
  /** WebSocket close code (RFC 6455 7.4); `close()` rejects with `WS_INVALID_ARGUMENT` for one that may not be sent. @default 1000 */
  code?: number;
  /** WebSocket close reason, at most 123 bytes of UTF-8. @default '' */
  reason?: string;
}

export interface ConnectionStats {
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Bytes the framer threw away while recovering from bad input (`delimiter(..., { recover: true })`). */
  bytesSkipped: number;
}

/** Per-connection options shared by clients and servers. */
export interface ConnectionOptions {
  /** Decoded messages waiting for a consumer before socket reads pause. @default Limits.receiveQueueMessages (1024) */
  receiveQueue?: number;
  /** Queued outgoing bytes above which `send` reports `backpressured`. @default Limits.sendHighWaterMark (1 MiB) */
  highWaterMark?: number;
  /** Queued outgoing bytes above which `send` refuses messages. @default Limits.sendMaxQueuedBytes (16 MiB) */
  maxQueuedBytes?: number;
  /** Over `maxQueuedBytes`: `drop` refuses the message (status `dropped`), `close` also closes the connection with `SEND_OVERFLOW`. @default 'drop' */
  overflow?: 'drop' | 'close';
  /** Time the protocol's `onConnect` hook may take, in ms. @default Limits.handshakeTimeout (10000) */
  handshakeTimeout?: number;
  /** Time a graceful close may take before the socket is destroyed, in ms. @default Limits.closeTimeout (5000) */
  closeTimeout?: number;
  /** Close with `IDLE_TIMEOUT` when nothing is received for this long, in ms; 0 is off. @default 0 */
  idleTimeout?: number;
  /** A frame the codec cannot decode: `close` the connection, or `skip` it (reported to `onFail`). @default 'close' */
  decodeErrors?: 'close' | 'skip';
  /**
   * After the peer's FIN, keep our side open so replies computed after an `await` still leave;
   * the connection then ends when you call `close()`. Off: our side ends as soon as every
   * accepted message is flushed. @default false
   */
  allowHalfOpen?: boolean;
}

/**
 * Checks options before any socket is opened, so a bad value fails `connect()` / `listen()` at
 * once with `INVALID_OPTION` instead of failing each connection later.
 */
export function checkConnectionOptions(options: ConnectionOptions, protocol: Protocol<unknown, never>, stream: boolean): void {
  const positive = ['receiveQueue', 'highWaterMark', 'maxQueuedBytes', 'handshakeTimeout', 'closeTimeout'] as const;
  for (const k of positive) {
    const v = options[k];
    if (v !== undefined && !(typeof v === 'number' && v > 0)) throw badOption(k, v, 'a positive number');
  }
  const idle = options.idleTimeout;
  if (idle !== undefined && !(typeof idle === 'number' && idle >= 0)) throw badOption('idleTimeout', idle, '0 (off) or a positive number');
  if (options.overflow !== undefined && options.overflow !== 'drop' && options.overflow !== 'close') {
    throw badOption('overflow', options.overflow, "'drop' or 'close'");
  }
  if (options.decodeErrors !== undefined && options.decodeErrors !== 'close' && options.decodeErrors !== 'skip') {
    throw badOption('decodeErrors', options.decodeErrors, "'close' or 'skip'");
  }
  const hb = protocol.heartbeat;
  if (hb) {
    if (!(typeof hb.interval === 'number' && hb.interval > 0)) throw badOption('heartbeat.interval', hb.interval, 'a positive number');
    if (hb.timeout !== undefined && !(typeof hb.timeout === 'number' && hb.timeout >= 0)) {
      throw badOption('heartbeat.timeout', hb.timeout, '0 (off) or a positive number');
    }
  }
  if (stream && protocol.framing.messageOriented) {
    throw new ConfigError(
      ErrorCode.INVALID_OPTION,
      `framing "${protocol.framing.name}" needs a message transport (UDP, WebSocket); a byte stream has no message boundaries`,
    );
  }
}

function badOption(name: string, value: unknown, expected: string): ConfigError {
  return new ConfigError(ErrorCode.INVALID_OPTION, `${name} must be ${expected}, got ${String(value)}`);
}

/** Facts about the link, decided by whoever created the connection. */
export interface LinkInfo {
  role: 'client' | 'server';
  /** The application's name for the endpoint (`name` option), shown in the connection's name. */
  app?: string | undefined;
  /** Servers: the connection's number (Unix socket names show it: every peer has the same address). */
  serial?: number;
  /** WebSocket: the request path, shown in the connection's name. */
  path?: string;
  /** Bytes that arrived with the transport handshake (frames right after a WebSocket upgrade). */
  initialData?: Uint8Array;
  /** Extra facts about the link (WebSocket: the negotiated subprotocol and extensions, the request path). */
  meta?: Readonly<Record<string, unknown>>;
  /** The endpoint's metrics (docs/observability.md): rare events are counted on it, totals kept when closed. */
  meter?: Meter | undefined;
}

/**
 * @internal A server's memory budget: the bytes its connections hold (partial frames and
 * outgoing queues), kept as a running total that each connection updates by deltas.
 */
export interface MemoryBudget {
  readonly limit: number;
  total: number;
  /** Called when a connection's growth took `total` over `limit`. */
  over(): void;
}

/** Unread errors `errors()` keeps; older ones are dropped (they still went to `onFail`). */
const ERROR_BACKLOG = 64;

type Waiter = { resolve: (ok: boolean) => void; timer: ReturnType<typeof setTimeout> | undefined };

/**
 * A connection's readable identity: `clt(app@local->remote/path)`, `svc(app@local/path<-remote)`,
 * or on Unix sockets, where every peer has the same address, `clt(app@unix:/p)` / `svc(app@unix:/p#3)`.
 */
export function linkLabel(link: LinkInfo, sock: StreamSocket): string {
  const who = link.app ? `${link.app}@` : '';
  const path = link.path ?? '';
  if (link.role === 'client') return sock.remote.startsWith('unix:') ? `clt(${who}${sock.remote})` : `clt(${who}${sock.local}->${sock.remote}${path})`;
  return sock.local.startsWith('unix:') ? `svc(${who}${sock.local}#${link.serial ?? 0})` : `svc(${who}${sock.local}${path}<-${sock.remote})`;
}

const NO_META: Readonly<Record<string, unknown>> = Object.freeze({});
const NO_CLOSE_OPTIONS: CloseOptions = Object.freeze({});

/**
 * Connections that queued bytes this turn of the event loop. One microtask writes them all (a
 * broadcast to 1,000 connections is one microtask, not 1,000), and no connection keeps a flush
 * closure of its own.
 */
let dirty: Array<Connection<unknown, unknown>> = [];

/** Full-size write slabs the sockets are done with, for the next burst of any connection (`Limits.writeSlabPool`). */
const slabPool = new SlabPool(Limits.writeSlabSize, Limits.writeSlabPool);

/** One set of write-buffer options for every connection (resolved once, see WriteBuffer). */
const WRITE_BUFFER_OPTIONS: WriteBufferOptions = { alloc: allocUnsafe, writeUtf8: utf8Write, slabSize: Limits.writeSlabSize, copyThreshold: Limits.writeCopyThreshold, pool: slabPool };

/**
 * What every connection of one endpoint shares: its options and callbacks and the limits derived
 * from them, made once per server (or client) instead of copied into each connection.
 */
interface Shared<In, Out> {
  readonly callbacks: Callbacks<In, Out> | undefined;
  readonly options: ConnectionOptions;
  readonly role: 'client' | 'server';
  readonly app: string | undefined;
  readonly meter: Meter | undefined;
  readonly consumes: boolean;
  readonly receiveLimit: number;
  readonly hwm: number;
  readonly maxQueued: number;
}

const sharedByOptions = new WeakMap<ConnectionOptions, Shared<unknown, unknown>>();

function sharedFor<In, Out>(callbacks: Callbacks<In, Out> | undefined, options: ConnectionOptions, link: LinkInfo): Shared<In, Out> {
  const s = sharedByOptions.get(options) as Shared<In, Out> | undefined;
  if (s !== undefined && s.callbacks === callbacks && s.role === link.role && s.app === link.app && s.meter === link.meter) return s;
  // Options were checked by connect()/listen() (checkConnectionOptions) before the socket existed.
  const hwm = options.highWaterMark ?? Limits.sendHighWaterMark;
  const made: Shared<In, Out> = {
    callbacks,
    options,
    role: link.role,
    app: link.app,
    meter: link.meter,
    consumes: callbacks?.onReceive !== undefined && callbacks.observeOnly !== true,
    receiveLimit: options.receiveQueue ?? Limits.receiveQueueMessages,
    hwm,
    maxQueued: Math.max(hwm, options.maxQueuedBytes ?? Limits.sendMaxQueuedBytes),
  };
  sharedByOptions.set(options, made as Shared<unknown, unknown>);
  return made;
}

/** A connection's state bits (`Connection.flags`). */
const F = {
  FlushScheduled: 1,
  ErrorsEnded: 2,
  Blocked: 4,
  WriteBlocked: 8,
  Awaiting: 16,
  Unbounded: 32,
  Discarding: 64,
  Ended: 128,
  PeerEnded: 256,
  SessionInputEnded: 512,
  Handshaking: 1024,
  HookSending: 2048,
  Backpressured: 4096,
  WasOpen: 8192,
  Timed: 16384,
  ModeCallback: 32768,
  ModeIterator: 65536,
} as const;

/**
 * What only some connections need (a name asked for, timers, a receive queue, close bookkeeping),
 * made the first time one of them is set: an idle connection does not carry these fields.
 */
class Extras<In, Out> {
  _name: string | undefined = undefined;
  /** Set by `sendParts` around one `enqueue`. */
  head: FrameHead | undefined = undefined;
  onWrittenFn: (() => void) | undefined = undefined;
  _inbox: AsyncQueue<In> | undefined = undefined;
  /** ended before the queue existed */
  inboxEnd: { error: SwitchboardError | undefined } | undefined = undefined;
  errorQueue: AsyncQueue<SwitchboardError> | undefined = undefined;
  localClose: CloseOptions = NO_CLOSE_OPTIONS;
  pings: Map<string, (data: Uint8Array) => void> | undefined = undefined;
  pingSeq: number = 0;
  roomWaiters: Waiter[] | undefined = undefined;
  closeError: SwitchboardError | undefined = undefined;
  initiator: CloseInfo['initiator'] | undefined = undefined;
  closeInfo: CloseInfo | undefined = undefined;
  _closed: Promise<CloseInfo> | undefined = undefined;
  resolveClosed: ((info: CloseInfo) => void) | undefined = undefined;
  closeTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  beatTimer: ReturnType<typeof setInterval> | undefined = undefined;
  idleTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  lastRx: number = 0;
  lastTx: number = 0;
  _ctx: HookContext<In, Out> | undefined = undefined;
  /** Bytes that came with the transport handshake (frames right after a WebSocket 101), read by
   * `open()`: a server may send a message and its close (or a bad frame) in the same segment as
   * the 101, and the message must reach the application before the close does. */
  early: Uint8Array | undefined = undefined;
  _data: Record<string, unknown> | undefined = undefined;
}

export class Connection<In, Out> implements AsyncIterable<In>, AsyncDisposable, StreamHandler {
  /** Message and byte counters. */
  readonly stats: ConnectionStats = { messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, bytesSkipped: 0 };
  /** Facts about the link from its transport (WebSocket: `path`, `subprotocol`, `compression`, `origin`, `headers`). */
  readonly meta: Readonly<Record<string, unknown>>;

  // A connection that never talked is this object and its socket, and nothing else (the framer
  // and write buffer are made by the first bytes in or out):
  // options and limits are shared with the endpoint's other connections (`cfg`), flags are bits
  // of one number, and what only some connections use (timers, queues, close bookkeeping, its
  // name) lives in `x`, made when first needed. bench/conn-heap.mjs lists what a connection
  // holds, object by object; the connections scenario of bench/run.mjs gives the figure.
  private readonly cfg: Shared<In, Out>;
  private flags = 0;
  private x: Extras<In, Out> | undefined;
  private _state: ConnectionState = 'opening';
  /** Made on first use (`framer`, `wb`): a connection that never talks does not carry them. */
  private _framer: Framer | undefined = undefined;
  private _wb: WriteBuffer | undefined = undefined;
  private readonly serial: number | undefined;
  /** WebSocket: the request path, for the name (every WebSocket connection has one: not in `x`). */
  private readonly path: string | undefined;
  private closeWatcher: ((conn: Connection<In, Out>) => void) | undefined;
  private budget: MemoryBudget | undefined;
  private held = 0; // what this connection last added to budget.total
  private firstWatcher: ((conn: Connection<In, Out>) => void) | undefined;
  /** @internal the rooms of the server that accepted this connection (see rooms.ts) */
  roomHost: RoomHost | undefined;

  constructor(
    private readonly sock: StreamSocket,
    readonly protocol: Protocol<In, Out>,
    callbacks: Callbacks<In, Out> | undefined,
    options: ConnectionOptions,
    link: LinkInfo,
  ) {
    this.cfg = sharedFor(callbacks, options, link);
    this.serial = link.serial;
    this.path = link.path;
    this.meta = link.meta ?? NO_META;
    if (this.cfg.consumes) this.flags |= F.ModeCallback;
    this.timed = (options.idleTimeout ?? 0) > 0 || protocol.heartbeat !== undefined;
    if (this.timed) this.lastRx = this.lastTx = Date.now();
    sock.setHandler(this);
    if (link.initialData && link.initialData.length > 0) this.early = link.initialData;
    if (options.idleTimeout) this.armIdle(options.idleTimeout);
  }

  /** The write buffer, made on the first write (or the framer, which writes into it). */
  private get wb(): WriteBuffer {
    return (this._wb ??= new WriteBuffer(WRITE_BUFFER_OPTIONS));
  }

  /** The framer, made on the first bytes in or out (or a close, which a WebSocket framer writes). */
  private get framer(): Framer {
    return (this._framer ??= this.protocol.framing.create(this.wb));
  }

  /** Bytes in the write buffer, without making one. */
  private get wbLength(): number {
    return this._wb === undefined ? 0 : this._wb.length;
  }

  private more(): Extras<In, Out> {
    return (this.x ??= new Extras<In, Out>());
  }

  get role(): 'client' | 'server' {
    return this.cfg.role;
  }

  /** @internal The endpoint's metrics, if it keeps them (servers, permanent clients). */
  get meter(): Meter | undefined {
    return this.cfg.meter;
  }

  private get callbacks(): Callbacks<In, Out> | undefined {
    return this.cfg.callbacks;
  }

  private get options(): ConnectionOptions {
    return this.cfg.options;
  }

  private get app(): string | undefined {
    return this.cfg.app;
  }

  private get consumes(): boolean {
    return this.cfg.consumes;
  }

  private get receiveLimit(): number {
    return this.cfg.receiveLimit;
  }

  private get hwm(): number {
    return this.cfg.hwm;
  }

  private get maxQueued(): number {
    return this.cfg.maxQueued;
  }

  private get mode(): 'none' | 'callback' | 'iterator' {
    const f = this.flags;
    return f & F.ModeCallback ? 'callback' : f & F.ModeIterator ? 'iterator' : 'none';
  }

  private set mode(m: 'none' | 'callback' | 'iterator') {
    this.flags = (this.flags & ~(F.ModeCallback | F.ModeIterator)) | (m === 'callback' ? F.ModeCallback : m === 'iterator' ? F.ModeIterator : 0);
  }

  /** in the dirty list, to be flushed this tick */
  private get flushScheduled(): boolean {
    return (this.flags & F.FlushScheduled) !== 0;
  }
  private set flushScheduled(v: boolean) {
    this.flags = v ? this.flags | F.FlushScheduled : this.flags & ~F.FlushScheduled;
  }

  /** the error stream ended before anyone read it */
  private get errorsEnded(): boolean {
    return (this.flags & F.ErrorsEnded) !== 0;
  }
  private set errorsEnded(v: boolean) {
    this.flags = v ? this.flags | F.ErrorsEnded : this.flags & ~F.ErrorsEnded;
  }

  /** receive queue full: reads paused, decoding stopped */
  private get blocked(): boolean {
    return (this.flags & F.Blocked) !== 0;
  }
  private set blocked(v: boolean) {
    this.flags = v ? this.flags | F.Blocked : this.flags & ~F.Blocked;
  }

  /** replies to input over the high-water mark: reads paused, decoding stopped */
  private get writeBlocked(): boolean {
    return (this.flags & F.WriteBlocked) !== 0;
  }
  private set writeBlocked(v: boolean) {
    this.flags = v ? this.flags | F.WriteBlocked : this.flags & ~F.WriteBlocked;
  }

  /** onReceive returned a promise that has not settled: reads paused, decoding stopped */
  private get awaiting(): boolean {
    return (this.flags & F.Awaiting) !== 0;
  }
  private set awaiting(v: boolean) {
    this.flags = v ? this.flags | F.Awaiting : this.flags & ~F.Awaiting;
  }

  /** the socket is gone: decode what is left without pausing */
  private get unbounded(): boolean {
    return (this.flags & F.Unbounded) !== 0;
  }
  private set unbounded(v: boolean) {
    this.flags = v ? this.flags | F.Unbounded : this.flags & ~F.Unbounded;
  }

  /** after a fatal input error: incoming bytes are dropped */
  private get discarding(): boolean {
    return (this.flags & F.Discarding) !== 0;
  }
  private set discarding(v: boolean) {
    this.flags = v ? this.flags | F.Discarding : this.flags & ~F.Discarding;
  }

  /** we sent FIN (or destroyed) */
  private get ended(): boolean {
    return (this.flags & F.Ended) !== 0;
  }
  private set ended(v: boolean) {
    this.flags = v ? this.flags | F.Ended : this.flags & ~F.Ended;
  }

  /** the peer sent FIN */
  private get peerEnded(): boolean {
    return (this.flags & F.PeerEnded) !== 0;
  }
  private set peerEnded(v: boolean) {
    this.flags = v ? this.flags | F.PeerEnded : this.flags & ~F.PeerEnded;
  }

  /** a session framer saw the peer's close message */
  private get sessionInputEnded(): boolean {
    return (this.flags & F.SessionInputEnded) !== 0;
  }
  private set sessionInputEnded(v: boolean) {
    this.flags = v ? this.flags | F.SessionInputEnded : this.flags & ~F.SessionInputEnded;
  }

  /** the protocol's onConnect hook is running */
  private get handshaking(): boolean {
    return (this.flags & F.Handshaking) !== 0;
  }
  private set handshaking(v: boolean) {
    this.flags = v ? this.flags | F.Handshaking : this.flags & ~F.Handshaking;
  }

  /** an onDisconnect hook is running and may send */
  private get hookSending(): boolean {
    return (this.flags & F.HookSending) !== 0;
  }
  private set hookSending(v: boolean) {
    this.flags = v ? this.flags | F.HookSending : this.flags & ~F.HookSending;
  }

  /** a send reported backpressure: tell onDrain / waiters when the queue goes under the mark */
  private get backpressured(): boolean {
    return (this.flags & F.Backpressured) !== 0;
  }
  private set backpressured(v: boolean) {
    this.flags = v ? this.flags | F.Backpressured : this.flags & ~F.Backpressured;
  }

  /** the connection reached open (for the metrics) */
  private get wasOpen(): boolean {
    return (this.flags & F.WasOpen) !== 0;
  }
  private set wasOpen(v: boolean) {
    this.flags = v ? this.flags | F.WasOpen : this.flags & ~F.WasOpen;
  }

  /** an idle timeout or a heartbeat needs the last receive/send times */
  private get timed(): boolean {
    return (this.flags & F.Timed) !== 0;
  }
  private set timed(v: boolean) {
    this.flags = v ? this.flags | F.Timed : this.flags & ~F.Timed;
  }

  private get _name(): string | undefined {
    const x = this.x;
    return x === undefined ? undefined : x._name;
  }
  private set _name(v: string | undefined) {
    if (this.x === undefined && v === undefined) return;
    this.more()._name = v;
  }

  private get head(): FrameHead | undefined {
    const x = this.x;
    return x === undefined ? undefined : x.head;
  }
  private set head(v: FrameHead | undefined) {
    if (this.x === undefined && v === undefined) return;
    this.more().head = v;
  }

  private get onWrittenFn(): (() => void) | undefined {
    const x = this.x;
    return x === undefined ? undefined : x.onWrittenFn;
  }
  private set onWrittenFn(v: (() => void) | undefined) {
    if (this.x === undefined && v === undefined) return;
    this.more().onWrittenFn = v;
  }

  private get _inbox(): AsyncQueue<In> | undefined {
    const x = this.x;
    return x === undefined ? undefined : x._inbox;
  }
  private set _inbox(v: AsyncQueue<In> | undefined) {
    if (this.x === undefined && v === undefined) return;
    this.more()._inbox = v;
  }

  private get inboxEnd(): { error: SwitchboardError | undefined } | undefined {
    const x = this.x;
    return x === undefined ? undefined : x.inboxEnd;
  }
  private set inboxEnd(v: { error: SwitchboardError | undefined } | undefined) {
    if (this.x === undefined && v === undefined) return;
    this.more().inboxEnd = v;
  }

  private get errorQueue(): AsyncQueue<SwitchboardError> | undefined {
    const x = this.x;
    return x === undefined ? undefined : x.errorQueue;
  }
  private set errorQueue(v: AsyncQueue<SwitchboardError> | undefined) {
    if (this.x === undefined && v === undefined) return;
    this.more().errorQueue = v;
  }

  private get localClose(): CloseOptions {
    const x = this.x;
    return x === undefined ? NO_CLOSE_OPTIONS : x.localClose;
  }
  private set localClose(v: CloseOptions) {
    if (this.x === undefined && v === NO_CLOSE_OPTIONS) return;
    this.more().localClose = v;
  }

  private get pings(): Map<string, (data: Uint8Array) => void> | undefined {
    const x = this.x;
    return x === undefined ? undefined : x.pings;
  }
  private set pings(v: Map<string, (data: Uint8Array) => void> | undefined) {
    if (this.x === undefined && v === undefined) return;
    this.more().pings = v;
  }

  private get pingSeq(): number {
    const x = this.x;
    return x === undefined ? 0 : x.pingSeq;
  }
  private set pingSeq(v: number) {
    if (this.x === undefined && v === 0) return;
    this.more().pingSeq = v;
  }

  private get roomWaiters(): Waiter[] | undefined {
    const x = this.x;
    return x === undefined ? undefined : x.roomWaiters;
  }
  private set roomWaiters(v: Waiter[] | undefined) {
    if (this.x === undefined && v === undefined) return;
    this.more().roomWaiters = v;
  }

  private get closeError(): SwitchboardError | undefined {
    const x = this.x;
    return x === undefined ? undefined : x.closeError;
  }
  private set closeError(v: SwitchboardError | undefined) {
    if (this.x === undefined && v === undefined) return;
    this.more().closeError = v;
  }

  private get initiator(): CloseInfo['initiator'] | undefined {
    const x = this.x;
    return x === undefined ? undefined : x.initiator;
  }
  private set initiator(v: CloseInfo['initiator'] | undefined) {
    if (this.x === undefined && v === undefined) return;
    this.more().initiator = v;
  }

  private get closeInfo(): CloseInfo | undefined {
    const x = this.x;
    return x === undefined ? undefined : x.closeInfo;
  }
  private set closeInfo(v: CloseInfo | undefined) {
    if (this.x === undefined && v === undefined) return;
    this.more().closeInfo = v;
  }

  private get _closed(): Promise<CloseInfo> | undefined {
    const x = this.x;
    return x === undefined ? undefined : x._closed;
  }
  private set _closed(v: Promise<CloseInfo> | undefined) {
    if (this.x === undefined && v === undefined) return;
    this.more()._closed = v;
  }

  private get resolveClosed(): ((info: CloseInfo) => void) | undefined {
    const x = this.x;
    return x === undefined ? undefined : x.resolveClosed;
  }
  private set resolveClosed(v: ((info: CloseInfo) => void) | undefined) {
    if (this.x === undefined && v === undefined) return;
    this.more().resolveClosed = v;
  }

  private get closeTimer(): ReturnType<typeof setTimeout> | undefined {
    const x = this.x;
    return x === undefined ? undefined : x.closeTimer;
  }
  private set closeTimer(v: ReturnType<typeof setTimeout> | undefined) {
    if (this.x === undefined && v === undefined) return;
    this.more().closeTimer = v;
  }

  private get beatTimer(): ReturnType<typeof setInterval> | undefined {
    const x = this.x;
    return x === undefined ? undefined : x.beatTimer;
  }
  private set beatTimer(v: ReturnType<typeof setInterval> | undefined) {
    if (this.x === undefined && v === undefined) return;
    this.more().beatTimer = v;
  }

  private get idleTimer(): ReturnType<typeof setTimeout> | undefined {
    const x = this.x;
    return x === undefined ? undefined : x.idleTimer;
  }
  private set idleTimer(v: ReturnType<typeof setTimeout> | undefined) {
    if (this.x === undefined && v === undefined) return;
    this.more().idleTimer = v;
  }

  private get lastRx(): number {
    const x = this.x;
    return x === undefined ? 0 : x.lastRx;
  }
  private set lastRx(v: number) {
    if (this.x === undefined && v === 0) return;
    this.more().lastRx = v;
  }

  private get lastTx(): number {
    const x = this.x;
    return x === undefined ? 0 : x.lastTx;
  }
  private set lastTx(v: number) {
    if (this.x === undefined && v === 0) return;
    this.more().lastTx = v;
  }

  private get _ctx(): HookContext<In, Out> | undefined {
    const x = this.x;
    return x === undefined ? undefined : x._ctx;
  }
  private set _ctx(v: HookContext<In, Out> | undefined) {
    if (this.x === undefined && v === undefined) return;
    this.more()._ctx = v;
  }

  private get early(): Uint8Array | undefined {
    const x = this.x;
    return x === undefined ? undefined : x.early;
  }
  private set early(v: Uint8Array | undefined) {
    if (this.x === undefined && v === undefined) return;
    this.more().early = v;
  }

  private get _data(): Record<string, unknown> | undefined {
    const x = this.x;
    return x === undefined ? undefined : x._data;
  }
  private set _data(v: Record<string, unknown> | undefined) {
    if (this.x === undefined && v === undefined) return;
    this.more()._data = v;
  }

  /** Readable identity: `clt(name@local->remote)` or `svc(name@local<-remote)`. */
  get name(): string {
    return (this._name ??= linkLabel({ role: this.role, app: this.app, serial: this.serial ?? 0, path: this.path ?? '' }, this.sock));
  }

  /** What the application keeps with this connection (user id, name...). Switchboard never reads or sends it. */
  get data(): Record<string, unknown> {
    return (this._data ??= {});
  }

  set data(value: Record<string, unknown>) {
    this._data = value;
  }

  /**
   * Joins `room` (server connections; see docs/cluster.md). Rejects with `ROOM_INVALID_NAME`,
   * `ROOM_LIMIT`, `ROOM_FORBIDDEN` (the server's `rooms.authorize` hook) or `CONNECTION_CLOSED`.
   */
  join(room: string): Promise<void> {
    if (this.roomHost === undefined) return Promise.reject(new ConfigError(ErrorCode.INVALID_OPTION, `${this.name}: only a server's connections can join rooms`));
    return this.roomHost.join(this as unknown as Connection<never, never>, room);
  }

  /** Leaves `room`; false when the connection was not in it. */
  leave(room: string): boolean {
    return this.roomHost?.leave(this as unknown as Connection<never, never>, room) ?? false;
  }

  /** The rooms this connection is in. */
  get rooms(): ReadonlySet<string> {
    return this.roomHost?.of(this as unknown as Connection<never, never>) ?? new Set<string>();
  }

  /** Resolves once the connection is closed, with the reason. Never rejects. */
  get closed(): Promise<CloseInfo> {
    return (this._closed ??=
      this.closeInfo !== undefined ? Promise.resolve(this.closeInfo) : new Promise<CloseInfo>((resolve) => (this.resolveClosed = resolve)));
  }

  /** @internal One function told when the connection closes (its server's bookkeeping), without a promise per connection. */
  watchClose(fn: (conn: Connection<In, Out>) => void): void {
    this.closeWatcher = fn;
  }

  get state(): ConnectionState {
    return this._state;
  }

  /** What hooks get: the connection's name, role, per-connection state, send and close. */
  private get ctx(): HookContext<In, Out> {
    if (this._ctx === undefined) {
      const self = this;
      this._ctx = {
        name: this.name,
        role: this.role,
        state: {},
        send: (msg: Out) => self.enqueue(msg, true),
        close: (options) => {
          // The peer asked to leave (a goodbye message): the close is the peer's, not ours.
          if (options?.initiator === 'peer') self.initiator ??= 'peer';
          void self.close();
        },
      };
    }
    return this._ctx;
  }

  /** Received messages waiting for a consumer (handshake hook, `for await`, `receive()`). */
  private get inbox(): AsyncQueue<In> {
    if (this._inbox === undefined) {
      this._inbox = new AsyncQueue<In>();
      if (this.inboxEnd !== undefined) this._inbox.end(this.inboxEnd.error);
    }
    return this._inbox;
  }

  private get errq(): AsyncQueue<SwitchboardError> {
    if (this.errorQueue === undefined) {
      this.errorQueue = new AsyncQueue<SwitchboardError>();
      if (this.errorsEnded) this.errorQueue.end();
    }
    return this.errorQueue;
  }

  /** Bytes accepted for sending that the kernel has not taken yet. */
  get queuedBytes(): number {
    return this.wbLength + this.sock.writableLength;
  }

  /**
   * @internal Bytes of write-buffer slab this connection holds (0 whenever nothing waits for the
   * next flush: the slab leaves with the bytes handed to the socket). For tests and bench/.
   */
  get writeSlabBytes(): number {
    return this._wb === undefined ? 0 : this._wb.slabBytes;
  }

  /**
   * Bytes this connection holds for its peer: received bytes that do not make a whole frame yet
   * (on WebSocket, also the parts of an unfinished message) plus `queuedBytes`. A server's
   * `memoryBudget` caps the sum over its connections.
   */
  get heldBytes(): number {
    return this._state === 'closed' ? 0 : (this._framer === undefined ? 0 : this._framer.buffered) + this.wbLength + this.sock.writableLength;
  }

  /** @internal Counts this connection in a server's memory budget from now on. */
  setBudget(budget: MemoryBudget): void {
    this.budget = budget;
    this.account();
  }

  /**
   * @internal The server's recount when over budget: what this connection holds now, recorded;
   * 0 once it left the budget (evicted, or closed).
   */
  recount(): number {
    return this.budget === undefined ? 0 : (this.held = this.heldBytes);
  }

  /** Tells the budget how much this connection's holding changed since last time. */
  private account(): void {
    const b = this.budget;
    if (b === undefined) return;
    const now = this.heldBytes;
    const d = now - this.held;
    if (d === 0) return;
    this.held = now;
    b.total += d;
    if (d > 0 && b.total > b.limit) b.over();
  }

  /**
   * @internal Closed for the server's memory budget: leaves the budget at once and releases what
   * it holds. A WebSocket with nothing queued still gets its close frame (`err.closeCode`);
   * otherwise the socket is destroyed (a close frame behind a queue the peer does not read would
   * never arrive, and the queue is what must go).
   */
  evict(err: SwitchboardError): void {
    if (this._state !== 'closed') dropped(this.meter, this as Connection<unknown, unknown>, DropReason.Budget, undefined, err);
    const b = this.budget;
    if (b !== undefined) {
      b.total -= this.held;
      this.held = 0;
      this.budget = undefined;
    }
    if (this._state === 'closed') return;
    const session = this.framer.session;
    if (session !== undefined && !session.closeSent && this.queuedBytes === 0 && !this.sock.destroyed) {
      this.fail(err); // writes the close frame, flushes it, ends our side
      this.framer.dispose?.(); // drops the partial frame now, not when the peer has finished closing
      return;
    }
    this.destroy(err);
  }

  /** @internal Called once, at the first whole message received or at the close (a server's `firstMessageTimeout`). */
  watchFirstMessage(fn: (conn: Connection<In, Out>) => void): void {
    this.firstWatcher = fn;
  }

  /** @internal Closes gracefully with `err` (a server-side timeout). */
  abort(err: SwitchboardError): void {
    this.fail(err);
  }

  /** `local` / `remote` address of the link, e.g. `127.0.0.1:50312`. */
  get localAddress(): string {
    return this.sock.local;
  }

  get remoteAddress(): string {
    return this.sock.remote;
  }

  /** The peer's TLS certificate, when it presented one. */
  get peerCertificate(): PeerCertificate | undefined {
    return this.sock.peerCertificate;
  }

  toString(): string {
    return this.name;
  }

  // ---------------------------------------------------------------- opening

  /**
   * Runs the protocol's `onConnect` hook (if any) and opens the connection. Called once by the
   * client or server that created it. Rejects with `HANDSHAKE_REJECTED` / `HANDSHAKE_TIMEOUT`.
   */
  async open(): Promise<void> {
    const hook = this.protocol.hooks?.onConnect;
    if (hook) {
      this.handshaking = true;
      this.readEarly(); // the handshake hook may need them
      const timeoutMs = this.options.handshakeTimeout ?? Limits.handshakeTimeout;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const hctx: HandshakeContext<In, Out> = {
        ...this.ctx,
        state: this.ctx.state,
        receive: async () => {
          const r = await this.inbox.next();
          this.afterTake();
          if (r.done) throw new ConnectError(ErrorCode.HANDSHAKE_REJECTED, `${this.name}: the peer left during the handshake`);
          return r.value;
        },
        reject: (reason: string): never => {
          throw new ConnectError(ErrorCode.HANDSHAKE_REJECTED, `${this.name}: handshake refused: ${reason}`);
        },
      };
      try {
        await Promise.race([
          Promise.resolve().then(() => hook(hctx)),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new ConnectError(ErrorCode.HANDSHAKE_TIMEOUT, `${this.name}: handshake took longer than ${timeoutMs} ms`)),
              timeoutMs,
            );
          }),
          this.closed.then((info) => {
            throw (
              info.error ?? new ConnectError(ErrorCode.HANDSHAKE_REJECTED, `${this.name}: the connection closed during the handshake`)
            );
          }),
        ]);
      } catch (cause) {
        const err = isSwitchboardError(cause)
          ? cause
          : new ConnectError(ErrorCode.HANDSHAKE_REJECTED, `${this.name}: handshake hook failed: ${errorText(cause)}`, { cause });
        this.handshaking = false;
        this.fail(err);
        throw err;
      } finally {
        clearTimeout(timer);
        this.handshaking = false;
      }
    }
    if (this._state !== 'opening') {
      throw this.closeError ?? new ConnectError(ErrorCode.CONNECT_FAILED, `${this.name}: closed before it opened`);
    }
    this._state = 'open';
    this.wasOpen = true;
    if (this.meter !== undefined) this.meter.opened++;
    if (diag.connectionOpen.hasSubscribers) diag.connectionOpen.publish({ connection: this });
    this.startHeartbeat();
    this.guard(() => this.callbacks?.onConnect?.(this));
    // Messages that arrived during the handshake and were not taken by it go to the consumer.
    if (this.mode === 'callback') this.drainInboxToCallback();
    // What came with the upgrade is read now that the connection is open: its messages are
    // delivered, then a close or a bad frame after them closes the connection, which `open()`
    // still returns (state `closing`, the messages readable). Read in the constructor, the
    // close would have won and the messages been lost with "closed before it opened".
    this.readEarly();
    if (!this.blocked) this.pump();
    if (this.peerEnded) this.finishAfterPeerEnd();
  }

  private readEarly(): void {
    const early = this.early;
    if (early === undefined) return;
    this.early = undefined;
    this.onStreamData(early);
  }

  // ---------------------------------------------------------------- receiving

  /** @internal socket events (StreamHandler) */
  onStreamData(chunk: Uint8Array): void {
    this.stats.bytesIn += chunk.length;
    if (this.timed) this.lastRx = Date.now();
    if (this.discarding) return;
    this.framer.push(chunk);
    if (!this.blocked) this.pump();
    if (this.budget !== undefined) this.account();
  }

  /**
   * Decodes and delivers frames until the framer says "not yet", the receive queue is full, or
   * what reading made us send (pongs, close replies, `autoReply`, answers sent from `onReceive`:
   * a dispatcher's HELP) put the queued bytes at `maxQueuedBytes`.
   */
  private pump(): void {
    const framer = this._framer;
    if (framer === undefined) return; // nothing ever arrived (the framer is made by the first bytes)
    const codec = this.protocol.codec;
    const wb = this.wb;
    const rxSubscribed = diag.messageReceived.hasSubscribers; // read once per batch of frames
    while (!this.blocked && !this.writeBlocked && !this.awaiting && !this.discarding) {
      let frame: Uint8Array | undefined;
      const before = wb.length;
      try {
        frame = framer.next();
      } catch (err) {
        this.inputError(err);
        return;
      }
      if (frame === undefined) {
        this.stats.bytesSkipped = framer.skipped;
        if (framer.session !== undefined) this.afterSessionInput(framer.session);
        if (wb.length > before) this.checkReplies();
        return;
      }
      let msg: In;
      try {
        msg = codec.decode(frame, framer.lastFrameBinary);
      } catch (err) {
        const e = asError(err, ErrorCode.DECODE_FAILED, this.name);
        dropped(this.meter, this as Connection<unknown, unknown>, DropReason.DecodeError, undefined, e);
        if ((this.options.decodeErrors ?? 'close') === 'skip') {
          this.report(e); // onFail may answer (a dispatcher's INVALID)
          if (wb.length > before) this.checkReplies();
          continue;
        }
        this.fail(e); // bad bytes from the peer: report, stop decoding, flush what was accepted, close
        return;
      }
      this.stats.messagesIn++;
      if (rxSubscribed) diag.messageReceived.publish({ connection: this, message: msg, size: frame.length });
      if (this.firstWatcher !== undefined) {
        const f = this.firstWatcher;
        this.firstWatcher = undefined;
        f(this);
      }
      this.deliver(msg);
      if (wb.length > before) this.checkReplies();
    }
  }

  /**
   * Reading made us queue bytes (a pong, an answer) and the queue reached `maxQueuedBytes`:
   * stop reading until the peer has taken them (below the high-water mark again), so a peer
   * that writes and never reads cannot make us queue without bound, nor make us drop replies.
   * Backpressure reaches it through TCP. Resumed by `onStreamDrain()`. With `overflow: 'close'`
   * the connection is closed with `SEND_OVERFLOW` instead, as a send over the cap would.
   *
   * Why the cap and not the high-water mark: two peers that both answer what they read stop
   * each other only when both queues are over the threshold and the kernel buffers between
   * them are full; at the cap such traffic was already being refused (`dropped`), so pausing
   * there cannot stall a conversation that worked before.
   */
  private checkReplies(): void {
    if (this.writeBlocked || this.unbounded || this._state === 'closed' || this.queuedBytes < this.maxQueued) return;
    if ((this.options.overflow ?? 'drop') === 'close') {
      this.overflow(this.queuedBytes); // the policy for a peer that does not read: SEND_OVERFLOW
      return;
    }
    this.writeBlocked = true;
    this.sock.pause();
  }

  /** The peer took our replies: read again (decode what is buffered first). */
  private resumeReplies(): void {
    this.writeBlocked = false;
    if (this._state === 'closed') return;
    this.pump();
    if (this.blocked || this.writeBlocked || this.awaiting || this.discarding) return;
    if (this.peerEnded) this.finishInput();
    else this.sock.resume();
  }

  private deliver(msg: In): void {
    const p = this.protocol;
    // Protocol code runs on the read path: what it throws is reported, never thrown at the socket.
    if (p.hooks?.onReceive && this.attempt('onReceive hook', () => p.hooks!.onReceive!(msg, this.ctx)) === false) return;
    const hb = p.heartbeat;
    if (hb?.isHeartbeat && this.attempt('heartbeat.isHeartbeat', () => hb.isHeartbeat!(msg)) === true) return;
    if (p.autoReply) {
      const reply = this.attempt('autoReply', () => p.autoReply!(msg));
      if (reply !== undefined) this.attempt('autoReply send', () => this.enqueue(reply, true));
    }
    const cb = this.callbacks?.onReceive;
    if (this.handshaking || this._state === 'opening') {
      // Watchers (a logger) see handshake messages too; consumers get what the hook leaves.
      if (cb !== undefined && !this.consumes) this.guard(() => cb.call(this.callbacks, this, msg));
      this.queueMessage(msg);
      return;
    }
    if (cb === undefined) return this.queueMessage(msg);
    if (!this.consumes) {
      this.guard(() => cb.call(this.callbacks, this, msg));
      return this.queueMessage(msg);
    }
    let r: unknown;
    try {
      r = cb.call(this.callbacks, this, msg);
    } catch (cause) {
      this.report(new ConnectionError(ErrorCode.HOOK_FAILED, `${this.name}: a callback threw: ${errorText(cause)}`, { cause }));
      return;
    }
    // A promise from onReceive is backpressure: nothing more is decoded or read from the socket
    // until it settles (docs/connections.md, "Backpressure from onReceive"). The message counts
    // as taken when the callback returned, or when its promise settled.
    if (r !== undefined && typeof (r as PromiseLike<unknown>).then === 'function') this.awaitTaken(r as PromiseLike<unknown>);
  }

  /** Pauses reading until `p` settles; then decodes what is buffered and reads again. */
  private awaitTaken(p: PromiseLike<unknown>): void {
    this.awaiting = true;
    this.sock.pause();
    const settled = (): void => {
      this.awaiting = false;
      // A connection that closed meanwhile delivers nothing more: what was not taken is gone with it.
      if (this._state === 'closed') return;
      this.pump();
      if (this.budget !== undefined) this.account();
      if (this.blocked || this.writeBlocked || this.awaiting || this.discarding) return;
      if (this.peerEnded) {
        this.finishInput();
        this.finishAfterPeerEnd();
      } else this.sock.resume();
    };
    p.then(settled, (cause: unknown) => {
      this.report(new ConnectionError(ErrorCode.HOOK_FAILED, `${this.name}: onReceive rejected: ${errorText(cause)}`, { cause }));
      settled();
    });
  }

  private queueMessage(msg: In): void {
    this.inbox.push(msg);
    if (this.inbox.length >= this.receiveLimit && !this.blocked && !this.unbounded) {
      // Backpressure reaches the peer: stop reading until the consumer catches up.
      this.blocked = true;
      this.sock.pause();
    }
  }

  private drainInboxToCallback(): void {
    const cb = this.callbacks?.onReceive;
    const q = this._inbox;
    if (cb === undefined || q === undefined) return;
    for (let m = q.tryShift(); m !== undefined; m = q.tryShift()) {
      const msg = m;
      this.guard(() => cb.call(this.callbacks, this, msg));
    }
    this.afterTake();
  }

  /** Called after a consumer took messages: resume reading once the queue is half empty. */
  private afterTake(): void {
    if (!this.blocked || (this._inbox?.length ?? 0) > this.receiveLimit >> 1) return;
    this.blocked = false;
    this.pump();
    if (this.budget !== undefined) this.account();
    if (!this.blocked && !this.writeBlocked && !this.awaiting && !this.discarding && this._state !== 'closed') {
      if (this.peerEnded) this.finishInput();
      else this.sock.resume();
    }
  }

  private claimIterator(): void {
    if (this.mode === 'callback') {
      throw new ConnectionError(
        ErrorCode.RECEIVE_MODE_CONFLICT,
        `${this.name}: messages already go to an onReceive callback; use callbacks or for await, not both`,
      );
    }
    this.mode = 'iterator';
  }

  /** Messages as an async iterator. Ends when the peer closes; throws the error that closed the link, if any. */
  [Symbol.asyncIterator](): AsyncIterator<In> {
    this.claimIterator();
    return {
      next: async () => {
        const r = await this.inbox.next();
        this.afterTake();
        return r;
      },
      return: async () => {
        return { value: undefined, done: true };
      },
    };
  }

  /**
   * The next message (like `recv()`). Rejects with `RECEIVE_TIMEOUT` after `timeout` ms, or with
   * `CONNECTION_CLOSED` (or the closing error) when no message will come.
   */
  async receive(options: { timeout?: number } = {}): Promise<In> {
    this.claimIterator();
    const { timeout } = options;
    const r = await this.inbox.next(
      timeout,
      () => new ConnectionError(ErrorCode.RECEIVE_TIMEOUT, `${this.name}: no message within ${timeout} ms`),
    );
    this.afterTake();
    if (r.done) throw new ConnectionError(ErrorCode.CONNECTION_CLOSED, `${this.name}: closed, no more messages`);
    return r.value;
  }

  /**
   * Errors as they happen (the clj-tcp error channel): bad input, timeouts, resets. Ends when
   * the connection closes. Holds the newest 64 unread errors.
   */
  errors(): AsyncIterable<SwitchboardError> {
    const q = this.errq;
    return { [Symbol.asyncIterator]: () => ({ next: () => q.next() }) };
  }

  // ---------------------------------------------------------------- sending

  /**
   * Encodes and queues a message; it leaves in this tick's write. Returns at once with what
   * happened (see {@link SendStatus}). Throws a `CodecError` when the message cannot be
   * encoded (a bug in the caller, not a network condition): nothing is queued then.
   */
  send(msg: Out): SendStatus {
    if (this._state !== 'open') return SendStatus.Closed;
    return this.enqueue(msg, false);
  }

  /**
   * Sends when there is room: waits while the queued bytes are over the high-water mark, up to
   * `timeout` ms (links' `send_busywait_timeout`). Resolves `timeout` if no room came.
   */
  async sendWait(msg: Out, options: { timeout?: number } = {}): Promise<SendStatus> {
    if (this._state !== 'open') return SendStatus.Closed;
    if (this.queuedBytes >= this.hwm) {
      const room = await this.waitForRoom(options.timeout);
      if (this._state !== 'open') return SendStatus.Closed;
      if (!room) return SendStatus.Timeout;
    }
    return this.enqueue(msg, false);
  }

  /** Resolves when the queued bytes are under the high-water mark (at once if they are). False on timeout or close. */
  drained(options: { timeout?: number } = {}): Promise<boolean> {
    if (this.queuedBytes < this.hwm) return Promise.resolve(this._state !== 'closed');
    return this.waitForRoom(options.timeout);
  }

  private waitForRoom(timeout: number | undefined): Promise<boolean> {
    if (this._state === 'closed') return Promise.resolve(false);
    this.backpressured = true;
    return new Promise<boolean>((resolve) => {
      const w: Waiter = { resolve, timer: undefined };
      if (timeout !== undefined) {
        w.timer = setTimeout(() => {
          this.roomWaiters = this.roomWaiters?.filter((x) => x !== w);
          resolve(false);
        }, timeout);
      }
      (this.roomWaiters ??= []).push(w);
    });
  }

  /**
   * @internal Sessions: lets `hs` cut a parsed envelope header off each received frame before
   * the frame's view is made (`Framer.headSkip`). False (nothing set) when this connection's
   * framer cannot (the length prefix and WebSocket can).
   */
  setHeadSkip(hs: HeadSkip | undefined): boolean {
    if (!('headSkip' in this.framer)) return false;
    this.framer.headSkip = hs;
    return true;
  }

  /**
   * @internal Sends bytes with a short ASCII `head` written in front, as one frame, without
   * joining them first (a session envelope: src/endpoint/session.ts). `onSent` and the
   * diagnostics see `payload`; the byte counts include the head.
   */
  sendParts(head: FrameHead, payload: Uint8Array): SendStatus {
    if (this._state !== 'open') return SendStatus.Closed;
    this.head = head;
    try {
      return this.enqueue(payload as Out, false);
    } finally {
      this.head = undefined;
    }
  }

  private encodeParts(head: FrameHead, payload: Uint8Array): void {
    this.head = undefined;
    const f = this.framer;
    if (f.encodeParts !== undefined) f.encodeParts(head, payload, this.wb);
    else f.encode(joinAscii(head, payload), this.wb);
  }

  /** The shared send path; `internal` sends (hooks, auto-replies, heartbeats) skip the state check. */
  private enqueue(msg: Out, internal: boolean): SendStatus {
    if (this.ended || this._state === 'closed') return SendStatus.Closed;
    if (internal && this._state === 'closing' && !this.hookSending) return SendStatus.Closed;
    const queued = this.wb.length + this.sock.writableLength;
    if (queued >= this.maxQueued) return this.overflow(queued, msg);
    const hooks = this.protocol.hooks;
    const m = hooks?.beforeSend ? hooks.beforeSend(msg, this.ctx) : msg;
    const before = this.wb.length;
    const payload = this.protocol.codec.encode(m);
    if (typeof payload === 'string') this.framer.encodeText(payload, this.wb);
    else if (this.head === undefined) this.framer.encode(payload, this.wb);
    else this.encodeParts(this.head, payload);
    const size = this.wb.length - before;
    this.stats.bytesOut += size;
    this.stats.messagesOut++;
    if (diag.messageSent.hasSubscribers) diag.messageSent.publish({ connection: this, message: m, size });
    this.scheduleFlush();
    if (hooks?.onSent) hooks.onSent(m, this.ctx);
    const onSent = this.callbacks?.onSent;
    if (onSent !== undefined) this.guard(() => onSent.call(this.callbacks, this, m));
    return this.statusAfter(queued + size);
  }

  /**
   * Queues bytes `start` to `end` of `framed`, already framed (a broadcast encodes once for
   * every connection); `msg` is what they encode, for `onSent`. Nobody may write those bytes
   * again: they are kept by reference until written.
   */
  sendFramed(framed: Uint8Array, msg: Out, start = 0, end = framed.length): SendStatus {
    if (this._state !== 'open' || this.ended) return SendStatus.Closed;
    const queued = this.wb.length + this.sock.writableLength;
    if (queued >= this.maxQueued) return this.overflow(queued, msg);
    // Bytes shared by every receiver, never written again: kept by reference, consecutive
    // broadcasts joined (WriteBuffer.writeShared).
    const size = end - start;
    this.wb.writeShared(framed, start, end);
    this.stats.bytesOut += size;
    this.stats.messagesOut++;
    if (diag.messageSent.hasSubscribers) diag.messageSent.publish({ connection: this, message: msg, size });
    this.scheduleFlush();
    const hook = this.protocol.hooks?.onSent;
    if (hook) this.attempt('onSent hook', () => hook(msg, this.ctx));
    const onSent = this.callbacks?.onSent;
    if (onSent !== undefined) this.guard(() => onSent.call(this.callbacks, this, msg));
    return this.statusAfter(queued + size);
  }

  private statusAfter(queued: number): SendStatus {
    if (queued >= this.hwm) {
      this.backpressured = true;
      return SendStatus.Backpressured;
    }
    return this.sock.needDrain ? SendStatus.Queued : SendStatus.Sent;
  }

  private overflow(queued: number, msg?: Out): SendStatus {
    const self = this as Connection<unknown, unknown>;
    if (msg !== undefined) dropped(this.meter, self, DropReason.SendOverflow, msg);
    if ((this.options.overflow ?? 'drop') === 'close') {
      const err = new ConnectionError(
        ErrorCode.SEND_OVERFLOW,
        `${this.name}: ${queued} bytes queued for a peer that does not read, expected no more than ${this.maxQueued}`,
      );
      if (this._state !== 'closed' && this.closeError === undefined) dropped(this.meter, self, DropReason.SlowConsumer, undefined, err);
      this.fail(err);
    }
    return SendStatus.Dropped;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    if (dirty.length === 0) queueMicrotask(Connection.flushDirty);
    dirty.push(this as Connection<unknown, unknown>);
  }

  private static flushDirty(this: void): void {
    const list = dirty;
    dirty = [];
    for (const c of list) {
      try {
        c.flush();
      } catch (err) {
        // A socket that throws on write is broken: that connection goes, the others still flush.
        c.destroy(asError(err, ErrorCode.TRANSPORT_ERROR, c.name));
      }
    }
  }

  /** Hands everything queued to the socket as one corked write. */
  private flush(): void {
    this.flushScheduled = false;
    if (this.wbLength === 0 || this.sock.destroyed) return;
    // While a sender waits for room, look again once the socket has written this batch: the
    // socket emits 'drain' only when its own (smaller or larger) high-water mark was crossed,
    // so a batch it takes at once would otherwise never end the wait.
    const sock = this.sock;
    // Bytes already wait in the socket (the peer reads slower than we write): these will wait
    // too, so none of them may keep a much larger shared buffer alive (compactPinned).
    const pieces = sock.writableLength > 0 ? compactPinned(this.wb.take()) : this.wb.take();
    sock.write(pieces, this.backpressured || this.writeBlocked ? (this.onWrittenFn ??= () => this.afterWritten()) : undefined);
    // The kernel took the whole batch at once: nothing refers to its slabs any more, reuse them.
    if (sock.writableLength === 0) this.wb.recycle();
    if (this.timed) this.lastTx = Date.now();
    if (this.budget !== undefined) this.account();
  }

  private afterWritten(): void {
    if (!this.sock.destroyed) this.onStreamDrain(); // a destroyed socket fails its writes: no room came
  }

  /** @internal */
  onStreamDrain(): void {
    this.drainWaiters();
    if (this.writeBlocked && this.queuedBytes < this.hwm) this.resumeReplies();
    if (this.budget !== undefined) this.account();
  }

  private drainWaiters(): void {
    if (!this.backpressured || this.queuedBytes >= this.hwm) return;
    this.backpressured = false;
    const waiters = this.roomWaiters;
    this.roomWaiters = undefined;
    for (const w of waiters ?? []) {
      clearTimeout(w.timer);
      w.resolve(true);
    }
    const cb = this.callbacks?.onDrain;
    if (cb !== undefined) this.guard(() => cb.call(this.callbacks, this));
  }

  // ---------------------------------------------------------------- ping

  /**
   * Sends a ping and resolves with the round-trip time in ms when the pong comes back
   * (WebSocket). Rejects with `PING_TIMEOUT` after `timeout` ms, with `CONNECTION_CLOSED` when
   * the connection closes first, and with `INVALID_OPTION` on transports without ping.
   */
  ping(options: { timeout?: number } = {}): Promise<number> {
    const session = this.framer.session;
    if (session === undefined) {
      return Promise.reject(new ConfigError(ErrorCode.INVALID_OPTION, `${this.name}: this transport has no ping (WebSocket has)`));
    }
    if (this._state !== 'open') {
      return Promise.reject(new ConnectionError(ErrorCode.CONNECTION_CLOSED, `${this.name}: not open, cannot ping`));
    }
    const id = String(++this.pingSeq);
    const data = new TextEncoder().encode(id);
    const t0 = performance.now();
    const timeout = options.timeout ?? Limits.pingTimeout;
    return new Promise<number>((resolve, reject) => {
      // Pongs matter once we sent a ping (an unsolicited one is a heartbeat, RFC 6455 5.5.3).
      session.onPong ??= (got) => this.onPong(got);
      const pings = (this.pings ??= new Map<string, (data: Uint8Array) => void>());
      const timer = setTimeout(() => {
        pings.delete(id);
        reject(new ConnectionError(ErrorCode.PING_TIMEOUT, `${this.name}: no pong within ${timeout} ms`));
      }, timeout);
      pings.set(id, (got) => {
        clearTimeout(timer);
        if (got.length === 0) reject(new ConnectionError(ErrorCode.CONNECTION_CLOSED, `${this.name}: closed before the pong`));
        else {
          const rtt = performance.now() - t0;
          this.meter?.rtt.record(rtt * 1000); // microseconds
          resolve(rtt);
        }
      });
      session.ping(data);
      this.scheduleFlush();
    });
  }

  private onPong(data: Uint8Array): void {
    const id = new TextDecoder().decode(data);
    const resolve = this.pings?.get(id);
    if (resolve === undefined) return; // an unsolicited pong (a heartbeat): RFC 6455 5.5.3 allows it
    // RFC 6455 5.5.3: a peer may answer only the most recent of several pings, so a pong also
    // answers every ping sent before the one it echoes (the map keeps them in sending order).
    for (const [k, r] of this.pings!) {
      this.pings!.delete(k);
      r(data);
      if (k === id) break;
    }
  }

  // ---------------------------------------------------------------- closing

  /**
   * Graceful close: runs the protocol's `onDisconnect` hook (a goodbye), flushes every accepted
   * message, sends FIN and waits for the peer's, up to `closeTimeout` ms; then destroys.
   * Resolves with the close reason.
   */
  async close(options: CloseOptions = {}): Promise<CloseInfo> {
    if (this._state === 'closing' || this._state === 'closed') return this.closed;
    // A close code that may not be sent (999, 1006...) is the caller's bug: refuse it before
    // anything changes, instead of closing without a close frame and waiting for a timeout.
    if (this.framer.session !== undefined && (options.code !== undefined || options.reason)) closePayload(options.code ?? 1000, options.reason ?? '');
    this.localClose = options;
    this.initiator ??= 'local';
    const wasOpen = this._state === 'open';
    this._state = 'closing';
    this.armCloseTimer();
    const hook = this.protocol.hooks?.onDisconnect;
    if (hook && wasOpen && !this.peerEnded) {
      this.hookSending = true;
      try {
        await hook(this.ctx);
      } catch (cause) {
        this.report(new ConnectionError(ErrorCode.HOOK_FAILED, `${this.name}: onDisconnect hook failed: ${errorText(cause)}`, { cause }));
      } finally {
        this.hookSending = false;
      }
    }
    this.endWrites();
    return this.closed;
  }

  /** Closes at once: queued bytes are dropped. */
  destroy(error?: SwitchboardError): void {
    if (this._state === 'closed') return;
    if (error) {
      this.recordError(error);
      this.report(error);
    }
    this.initiator ??= error ? 'error' : 'local';
    this._state = 'closing';
    this.ended = true;
    this._wb?.take();
    this.sock.destroy();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private endWrites(): void {
    if (this.ended) return;
    const session = this.framer.session;
    if (session !== undefined && !session.closeSent && !this.sock.destroyed) {
      const err = this.closeError;
      const code = err ? closeCodeFor(err) : (this.localClose.code ?? 1000);
      // Never send internal details to the peer: an error closes with its code and no reason.
      this.attempt('session close', () => session.close(code, err ? '' : (this.localClose.reason ?? '')));
    }
    this.flush();
    // RFC 6455 7.1.1: a client waits for the server's close (and its TCP close) before ending.
    if (session?.waitForPeerClose && session.peerClose === undefined && !this.peerEnded) return;
    this.ended = true;
    this.sock.end();
  }

  private armCloseTimer(): void {
    if (this.closeTimer !== undefined) return;
    const ms = this.options.closeTimeout ?? Limits.closeTimeout;
    this.closeTimer = setTimeout(() => {
      if (this._state === 'closed') return;
      const e = new ConnectionError(ErrorCode.CLOSE_TIMEOUT, `${this.name}: the peer did not finish closing within ${ms} ms`);
      this.recordError(e);
      this.report(e);
      this.sock.destroy();
    }, ms);
    this.closeTimer.unref?.();
  }

  /** @internal */
  onStreamEnd(): void {
    this.peerEnded = true;
    this.initiator ??= 'peer';
    // onReceive is still taking a message: the rest are decoded, and our side ended, once it has.
    if (this.awaiting) return;
    if (!this.blocked && !this.writeBlocked) this.finishInput();
    if (this._state === 'opening' && this.handshaking) return;
    this.finishAfterPeerEnd();
  }

  /** The peer sent everything and every whole frame was decoded: leftover bytes are an error. */
  private finishInput(): void {
    if (!this.discarding) {
      try {
        this._framer?.finish();
      } catch (err) {
        // A partial frame at the end is an error, never a message.
        const e = asError(err, ErrorCode.FRAME_TRUNCATED, this.name);
        this.recordError(e);
        this.report(e);
      }
    }
    this.endInbox();
  }

  /**
   * The peer finished sending: flush what was accepted and end our side too (queued messages
   * stay readable). With `allowHalfOpen`, our side stays open for replies until `close()`.
   */
  private finishAfterPeerEnd(): void {
    if (this.options.allowHalfOpen && this._state === 'open') return;
    if (this._state === 'open') this._state = 'closing';
    this.armCloseTimer();
    this.endWrites();
  }

  private endInbox(): void {
    const error = this.closeError !== undefined && this.closeError.code !== ErrorCode.CONNECTION_CLOSED ? this.closeError : undefined;
    if (this._inbox !== undefined) this._inbox.end(error);
    else this.inboxEnd ??= { error };
  }

  /** @internal */
  onStreamError(err: Error): void {
    const code = (err as NodeJS.ErrnoException).code;
    const reset = code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED';
    this.initiator ??= reset ? 'peer' : 'error';
    const e = new ConnectionError(reset ? ErrorCode.CONNECTION_RESET : ErrorCode.TRANSPORT_ERROR, `${this.name}: ${err.message}`, {
      cause: err,
    });
    this.recordError(e);
    this.report(e);
  }

  /** @internal */
  onStreamClose(): void {
    if (this._state === 'closed') return;
    this._state = 'closed';
    this.ended = true;
    if (this.firstWatcher !== undefined) {
      const f = this.firstWatcher; // the server forgets the deadline of a connection that is gone
      this.firstWatcher = undefined;
      this.guard(() => f(this));
    }
    if (this.budget !== undefined) {
      this.budget.total -= this.held;
      this.held = 0;
      this.budget = undefined;
    }
    clearTimeout(this.closeTimer);
    clearInterval(this.beatTimer);
    clearTimeout(this.idleTimer);
    if (this.blocked || this.writeBlocked) {
      // Frames read before the pause are already in memory: deliver them, they were received.
      this.blocked = false;
      this.writeBlocked = false;
      this.unbounded = true;
      this.pump();
      if (this.peerEnded) this.finishInput();
    }
    this.endInbox();
    this._framer?.dispose?.();
    this.errorsEnded = true;
    this.errorQueue?.end();
    const waiters = this.roomWaiters;
    this.roomWaiters = undefined;
    for (const w of waiters ?? []) {
      clearTimeout(w.timer);
      w.resolve(false);
    }
    const error = this.closeError;
    const session = this._framer?.session; // no framer: nothing was sent or received
    const code = session?.peerClose?.code ?? (session?.closeSent ? (error ? closeCodeFor(error) : (this.localClose.code ?? 1000)) : undefined);
    const info: CloseInfo = {
      initiator: this.initiator ?? 'peer',
      error,
      clean: error === undefined && (this.peerEnded || this.sessionInputEnded),
      ...(code !== undefined && { code, reason: session?.peerClose?.reason ?? (error ? '' : (this.localClose.reason ?? '')) }),
    };
    if (this.pings !== undefined) {
      for (const resolve of this.pings.values()) resolve(EMPTY);
      this.pings.clear();
    }
    this.closeInfo = info;
    if (this.meter !== undefined) this.meter.retire(this.stats, this.wasOpen);
    if (diag.connectionClose.hasSubscribers) diag.connectionClose.publish({ connection: this, info });
    this.resolveClosed?.(info);
    if (this.closeWatcher !== undefined) this.guard(() => this.closeWatcher!(this));
    const cb = this.callbacks?.onDisconnect;
    if (cb !== undefined) this.guard(() => cb.call(this.callbacks, this, info));
  }

  // ---------------------------------------------------------------- failures

  /** The session framer may have answered (a pong) or seen the peer's close. */
  private afterSessionInput(session: Session): void {
    if (this.wbLength > 0) this.scheduleFlush();
    if (session.peerClose === undefined || this.sessionInputEnded) return;
    // RFC 6455 7.1: the peer's close frame ends its messages; our reply is already queued.
    this.sessionInputEnded = true;
    this.initiator ??= 'peer';
    this.endInbox();
    if (this._state === 'open' || this._state === 'opening') this._state = 'closing';
    this.armCloseTimer();
    this.endWrites();
  }

  /** Bad bytes from the peer: report, stop decoding, flush what was accepted, close. */
  private inputError(err: unknown): void {
    this.fail(asError(err, ErrorCode.DECODE_FAILED, this.name));
  }

  /** A fatal error: report it and close gracefully (accepted messages still leave). */
  private fail(err: SwitchboardError): void {
    if (this._state === 'closed') return;
    clearInterval(this.beatTimer);
    clearTimeout(this.idleTimer);
    this.recordError(err);
    this.initiator ??= 'error';
    this.report(err);
    this.discarding = true;
    if (this.blocked || this.writeBlocked || this.awaiting) {
      this.blocked = false;
      this.writeBlocked = false;
      this.awaiting = false;
      this.sock.resume();
    }
    if (this._state !== 'closing') {
      this._state = 'closing';
      this.armCloseTimer();
      this.endWrites();
    }
    this.endInbox();
  }

  private recordError(err: SwitchboardError): void {
    this.closeError ??= err;
  }

  /** Tells `onFail` and the error stream. */
  private report(err: SwitchboardError): void {
    const q = this.errq;
    q.push(err);
    if (q.length > ERROR_BACKLOG) q.tryShift(); // keep the newest
    const cb = this.callbacks?.onFail;
    if (cb === undefined) return;
    try {
      cb.call(this.callbacks, err, this);
    } catch {
      // an onFail that throws has nowhere left to report to
    }
  }

  /** Runs protocol code; what it throws is reported as `HOOK_FAILED` and `undefined` returned. */
  private attempt<T>(what: string, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (cause) {
      this.report(new ConnectionError(ErrorCode.HOOK_FAILED, `${this.name}: ${what} threw: ${errorText(cause)}`, { cause }));
      return undefined;
    }
  }

  /** Runs user code; what it throws is reported as `HOOK_FAILED` and the connection goes on. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (cause) {
      this.report(new ConnectionError(ErrorCode.HOOK_FAILED, `${this.name}: a callback threw: ${errorText(cause)}`, { cause }));
    }
  }

  // ---------------------------------------------------------------- timers

  private startHeartbeat(): void {
    const hb = this.protocol.heartbeat;
    if (!hb) return;
    const timeout = hb.timeout ?? 0;
    const period = timeout > 0 ? Math.min(hb.interval, timeout) : hb.interval;
    this.lastRx = Date.now();
    this.beatTimer = setInterval(() => {
      const now = Date.now();
      if (timeout > 0 && now - this.lastRx >= timeout) {
        this.fail(new ConnectionError(ErrorCode.HEARTBEAT_TIMEOUT, `${this.name}: nothing received for ${now - this.lastRx} ms, expected something within ${timeout} ms`));
        return;
      }
      if (now - this.lastTx >= hb.interval && this._state === 'open') {
        this.attempt('heartbeat', () => {
          const m = typeof hb.message === 'function' ? (hb.message as () => Out)() : hb.message;
          this.enqueue(m, true);
        });
        this.lastTx = now;
      }
    }, period);
    this.beatTimer.unref?.();
  }

  private armIdle(ms: number): void {
    const check = (): void => {
      if (this._state === 'closed') return;
      const quiet = Date.now() - this.lastRx;
      if (quiet >= ms) {
        this.fail(new ConnectionError(ErrorCode.IDLE_TIMEOUT, `${this.name}: nothing received for ${quiet} ms, expected something within ${ms} ms`));
        return;
      }
      this.idleTimer = setTimeout(check, ms - quiet);
      this.idleTimer.unref?.();
    };
    this.idleTimer = setTimeout(check, ms);
    this.idleTimer.unref?.();
  }
}

const EMPTY = new Uint8Array(0);

/** The WebSocket close code an error closes a connection with (RFC 6455 7.4.1). */
export function closeCodeFor(err: SwitchboardError): number {
  if (err.closeCode !== undefined) return err.closeCode;
  switch (err.code) {
    case ErrorCode.INVALID_UTF8:
      return 1007; // invalid payload data
    case ErrorCode.FRAME_TOO_LARGE:
    case ErrorCode.MESSAGE_TOO_LARGE:
      return 1009; // message too big
    case ErrorCode.INVALID_JSON:
    case ErrorCode.DECODE_FAILED:
      return 1003; // unsupported data
    case ErrorCode.SEND_OVERFLOW:
    case ErrorCode.IDLE_TIMEOUT:
    case ErrorCode.HEARTBEAT_TIMEOUT:
    case ErrorCode.FIRST_MESSAGE_TIMEOUT:
      return 1008; // policy violation
    case ErrorCode.MEMORY_BUDGET_EXCEEDED:
      return 1013; // try again later: the server as a whole is over its budget
    case ErrorCode.SERVER_CLOSED:
      return 1001; // going away
    default:
      return 1011; // internal error
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function asError(err: unknown, code: ErrorCode, name: string): SwitchboardError {
  if (isSwitchboardError(err)) return err;
  return new ConnectionError(code, `${name}: ${errorText(err)}`, { cause: err });
}
