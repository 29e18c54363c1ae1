/**
 * Datagram endpoints: one message per datagram over UDP or Unix datagram sockets, no
 * connection. One endpoint both receives (from anyone who sends to its address) and sends (to
 * any address, or by default to the peer of a `datagramClient`).
 *
 *     receive   datagram -> size check -> codec.decode -> secret_code check -> onReceive / for await { msg, from }
 *     send      send(msg, to) -> secret_code added -> codec.encode -> size check -> one datagram
 *
 * Bad input never closes the endpoint: a datagram over `maxDatagramSize`, one that does not
 * decode, or a named message with a missing or wrong `secret_code` is dropped, counted in
 * `stats` and reported to `onFail` / `errors()`, and the next datagram is read as usual.
 *
 * States: open --(close())--> closed. There is no handshake and no peer to wait for.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { formatAddress, parseDatagramAddress, type DatagramAddress } from '../core/address.js';
import {
  CodecError,
  ConfigError,
  ConnectionError,
  ErrorCode,
  FramingError,
  Limits,
  SendStatus,
  SwitchboardError,
  isSwitchboardError,
  type Protocol,
} from '../core/index.js';
import { Message, namedMessageDatagrams, paramText } from '../core/message/index.js';
import {
  openDatagramSender,
  openDatagramSocket,
  resolveUdpHost,
  type DatagramHandlers,
  type DatagramSocket,
  type DatagramSocketOptions,
} from '../transport/datagram.js';
import { AsyncQueue } from './async-queue.js';
import { datagramSnapshot, type MetricsSnapshot } from './metrics.js';

/** The parameter eventdispatcher checks on datagrams from untrusted senders (`LOG_ROTATE`, `STOP`...). */
export const SECRET_CODE_PARAMETER = 'secret_code';

/** One received message and where it came from (`undefined`: a Unix sender not bound to a path, which cannot be answered). */
export interface DatagramReceived<In> {
  readonly msg: In;
  readonly from: DatagramAddress | undefined;
}

/** Counters of a datagram endpoint. Every datagram read is counted once in `received` and, if it was not delivered, once in one `dropped...` / `decodeErrors` counter. */
export interface DatagramStats {
  /** Datagrams read from the socket, good or bad. */
  received: number;
  /** Messages handed to `onReceive` or to the receive queue. */
  delivered: number;
  /** Received datagrams larger than `maxDatagramSize`, dropped (`FRAME_TOO_LARGE`). */
  droppedOversize: number;
  /** Received messages whose `secret_code` was missing or wrong, dropped (`SECRET_CODE_MISMATCH`). */
  droppedSecret: number;
  /** Received datagrams the codec could not decode, dropped (`MESSAGE_SYNTAX`, `INVALID_UTF8`...). */
  decodeErrors: number;
  /** Received messages dropped because the receive queue was full: nobody reads (`DATAGRAM_QUEUE_FULL`). */
  droppedQueueFull: number;
  /** Datagrams handed to the socket. */
  sent: number;
  /** Sends that returned `dropped`: larger than `maxDatagramSize`, over `maxQueuedBytes`, or refused at once by the system. */
  sendDropped: number;
  /** Sends the system refused or failed (`TRANSPORT_ERROR`): at once (then also in `sendDropped`) or after `send()` returned. */
  sendErrors: number;
  /** Bytes of every datagram read, dropped ones included. */
  bytesIn: number;
  /** Bytes of every datagram handed to the socket. */
  bytesOut: number;
}

/**
 * Callbacks of a datagram endpoint, all optional. As on connections, a consuming `onReceive`
 * claims the messages (then `for await` / `receive()` is `RECEIVE_MODE_CONFLICT`); set
 * `observeOnly: true` for callbacks that only watch.
 */
export interface DatagramCallbacks<In, Out> {
  /** The endpoint is bound and ready. */
  onInitialize?(endpoint: DatagramEndpoint<In, Out>): void;
  /** A message arrived from `from`. */
  onReceive?(endpoint: DatagramEndpoint<In, Out>, msg: In, from: DatagramAddress | undefined): void;
  /** A message was handed to the socket, for `to`. `msg` is what was passed to `send()` (without the secret code). */
  onSent?(endpoint: DatagramEndpoint<In, Out>, msg: Out, to: DatagramAddress): void;
  /** A datagram was dropped (too large, undecodable, wrong secret code, queue full), a send failed, or a callback threw. */
  onFail?(error: SwitchboardError, endpoint: DatagramEndpoint<In, Out>): void;
  /** The endpoint is closed. */
  onClose?(endpoint: DatagramEndpoint<In, Out>): void;
  /** True when `onReceive` only watches and does not consume messages. @default false */
  readonly observeOnly?: boolean;
}

export interface DatagramOptions<In, Out> extends DatagramSocketOptions {
  /**
   * The codec (and message-oriented framing) of the datagrams. Its hooks and heartbeat are
   * connection features and are refused here (`INVALID_OPTION`); `autoReply` answers the sender.
   * @default namedMessageDatagrams(): eventdispatcher named messages, one per datagram
   */
  protocol?: Protocol<In, Out>;
  /**
   * Largest datagram sent or accepted, in bytes, 1 to 65507 (the largest UDP payload over IPv4).
   * A security limit: a larger datagram received is dropped and counted before it is decoded; a
   * larger message sent returns `dropped`.
   * @default the protocol's `framing.maxFrameSize`: 1024 with the default protocol (`Limits.namedMessageMaxDatagram`, eventdispatcher's DATAGRAM_MAX_SIZE)
   */
  maxDatagramSize?: number;
  /**
   * eventdispatcher's shared secret. When set, a received named message whose `secret_code`
   * parameter is missing or different is dropped, counted (`stats.droppedSecret`) and reported
   * as `SECRET_CODE_MISMATCH` (compared in constant time; the codes are never logged); accepted
   * messages are delivered without the parameter. Outgoing named messages get it added (one that
   * already has a `secret_code` is sent as it is). Received values that are not `Message`s can
   * carry no code and are dropped too. @default undefined (no check)
   */
  secretCode?: string;
  callbacks?: DatagramCallbacks<In, Out>;
  /**
   * Messages received and not yet taken by `for await` / `receive()`. A security limit: past it,
   * new messages are dropped and counted (`DATAGRAM_QUEUE_FULL`); datagrams have no flow control
   * to slow the sender down. @default Limits.receiveQueueMessages (1024)
   */
  receiveQueue?: number;
  /**
   * UDP: bytes handed to the socket and not yet sent above which `send()` returns `dropped`.
   * @default Limits.datagramMaxQueuedBytes (1 MiB)
   */
  maxQueuedBytes?: number;
  /** Shown in the endpoint's name: `svc(name@udp://127.0.0.1:4000)`. */
  name?: string;
}

export interface DatagramClientOptions<In, Out> extends DatagramOptions<In, Out> {
  /**
   * Local address to bind, to receive replies on a known address: `udp://0.0.0.0:5000`,
   * `unixgram:///run/me.sock`. Same scheme as the peer.
   * @default udp: a free port on the wildcard address of the peer's family; unixgram: none (the client can only send, like `ed-signal`)
   */
  bind?: string;
}

/** Unread errors `errors()` keeps; older ones are dropped (they still went to `onFail`). */
const ERROR_BACKLOG = 64;

interface Setup<In, Out> {
  protocol: Protocol<In, Out>;
  maxSize: number;
  secret: Buffer | undefined;
  secretText: string | undefined;
  receiveLimit: number;
  maxQueued: number;
}

function badOption(name: string, value: unknown, expected: string): ConfigError {
  return new ConfigError(ErrorCode.INVALID_OPTION, `${name} must be ${expected}, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`);
}

/** Checks every option before a socket is opened: a bad value rejects with `INVALID_OPTION` at once. */
function checkOptions<In, Out>(options: DatagramOptions<In, Out>): Setup<In, Out> {
  const max = options.maxDatagramSize;
  if (max !== undefined && !(Number.isInteger(max) && max >= 1 && max <= Limits.maxDatagramSize)) {
    throw badOption('maxDatagramSize', max, `an integer from 1 to ${Limits.maxDatagramSize} (the largest UDP payload over IPv4)`);
  }
  const protocol =
    options.protocol ?? (namedMessageDatagrams(max === undefined ? {} : { maxDatagramSize: max }) as unknown as Protocol<In, Out>);
  if (!protocol.framing.messageOriented) {
    throw new ConfigError(
      ErrorCode.INVALID_OPTION,
      `framing "${protocol.framing.name}" cuts a byte stream; a datagram endpoint sends one message per datagram: use datagram() or namedMessageDatagrams()`,
    );
  }
  if (protocol.hooks !== undefined || protocol.heartbeat !== undefined) {
    throw new ConfigError(ErrorCode.INVALID_OPTION, 'protocol hooks and heartbeats need a connection; a datagram endpoint has none (autoReply works)');
  }
  const maxSize = max ?? Math.min(protocol.framing.maxFrameSize, Limits.maxDatagramSize);
  const q = options.receiveQueue;
  if (q !== undefined && !(Number.isInteger(q) && q > 0)) throw badOption('receiveQueue', q, 'a positive integer');
  const ct = options.closeTimeout;
  if (ct !== undefined && !(typeof ct === 'number' && ct > 0)) throw badOption('closeTimeout', ct, 'a positive number');
  const mq = options.maxQueuedBytes;
  if (mq !== undefined && !(typeof mq === 'number' && mq > 0)) throw badOption('maxQueuedBytes', mq, 'a positive number');
  const secretText = options.secretCode;
  let secret: Buffer | undefined;
  if (secretText !== undefined) {
    if (typeof secretText !== 'string' || secretText === '') throw badOption('secretCode', secretText === '' ? '(empty)' : typeof secretText, 'a non-empty string');
    try {
      paramText(SECRET_CODE_PARAMETER, secretText);
    } catch (cause) {
      throw new ConfigError(ErrorCode.INVALID_OPTION, `secretCode cannot be sent as a parameter: ${(cause as Error).message}`, { cause });
    }
    secret = digest(secretText);
  }
  return { protocol, maxSize, secret, secretText, receiveLimit: q ?? Limits.receiveQueueMessages, maxQueued: mq ?? Limits.datagramMaxQueuedBytes };
}

/** Hashing first makes the comparison constant-time whatever the lengths. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Binds a datagram endpoint to `udp://host:port` (port 0: any free port; `udp://[::1]:0` for
 * IPv6) or `unixgram:///absolute/path`, and resolves once it is ready to receive.
 *
 *     await using ep = await bindDatagram('udp://127.0.0.1:4041', { secretCode: 'x' });
 *     for await (const { msg, from } of ep) if (msg.command === 'LOG_ROTATE') reopenLogs();
 *
 * Rejects with `INVALID_ADDRESS`, `INVALID_OPTION`, `LISTEN_FAILED` (the address is taken) or
 * `UNIXGRAM_UNAVAILABLE`.
 */
export async function bindDatagram<In = Message, Out = In>(url: string, options: DatagramOptions<In, Out> = {}): Promise<DatagramEndpoint<In, Out>> {
  const local = parseDatagramAddress(url);
  const setup = checkOptions(options);
  const ep = new DatagramEndpoint<In, Out>(setup, options, undefined, 'svc');
  await ep.start((handlers) => openDatagramSocket(local, options, handlers));
  return ep;
}

/**
 * A datagram endpoint whose `send(msg)` goes to `url` by default (eventdispatcher's
 * `ed-signal`): `udp://host:port` or `unixgram:///path`. A UDP host name is resolved once, here.
 * Replies sent back to the client's address are received as on any endpoint.
 *
 *     await using client = await datagramClient('udp://127.0.0.1:4041', { secretCode: 'x' });
 *     client.send(message('LOG_ROTATE'));
 */
export async function datagramClient<In = Message, Out = In>(
  url: string,
  options: DatagramClientOptions<In, Out> = {},
): Promise<DatagramEndpoint<In, Out>> {
  let peer = parseDatagramAddress(url);
  const bind = options.bind === undefined ? undefined : parseDatagramAddress(options.bind);
  if (bind !== undefined && bind.scheme !== peer.scheme) {
    throw new ConfigError(ErrorCode.INVALID_ADDRESS, `bind address ${options.bind} must be ${peer.scheme}:// like the peer ${url}`);
  }
  const setup = checkOptions(options);
  if (peer.scheme === 'udp') peer = { scheme: 'udp', host: (await resolveUdpHost(peer.host, peer)).address, port: peer.port };
  const to = peer;
  const ep = new DatagramEndpoint<In, Out>(setup, options, to, 'clt');
  await ep.start((handlers) => (bind === undefined ? openDatagramSender(to, options, handlers) : openDatagramSocket(bind, options, handlers)));
  return ep;
}

/**
 * A bound datagram socket with a codec: see {@link bindDatagram} and {@link datagramClient}.
 * Iterate it (`for await (const { msg, from } of ep)`), call `receive()`, or pass an `onReceive`
 * callback; send with `send(msg, to?)`.
 */
export class DatagramEndpoint<In, Out> implements AsyncIterable<DatagramReceived<In>>, AsyncDisposable {
  /** `svc(name@udp://127.0.0.1:4000)`, or `clt(name@udp://0.0.0.0:50312->udp://127.0.0.1:4000)` for a client. */
  readonly name: string = '';
  readonly protocol: Protocol<In, Out>;
  /** Largest datagram sent or accepted, in bytes. */
  readonly maxDatagramSize: number;
  /** Where `send(msg)` without `to` goes: the client's peer; `undefined` for `bindDatagram()`. */
  readonly peer: DatagramAddress | undefined;
  readonly stats: DatagramStats = {
    received: 0,
    delivered: 0,
    droppedOversize: 0,
    droppedSecret: 0,
    decodeErrors: 0,
    droppedQueueFull: 0,
    sent: 0,
    sendDropped: 0,
    sendErrors: 0,
    bytesIn: 0,
    bytesOut: 0,
  };
  /** Resolves once the endpoint is closed. Never rejects. */
  readonly closed: Promise<void>;

  /**
   * The endpoint's counters as a metrics snapshot (docs/observability.md), for
   * `serveMetrics()` / `listen udp:// --metrics`: messages and bytes in and out, drops by reason
   * (`decode_error`, `oversize`, `forbidden`, `queue_full`, `send_overflow`); a datagram endpoint
   * has no connections (all zero).
   */
  metrics(): MetricsSnapshot {
    return datagramSnapshot(this.stats);
  }
  private socket!: DatagramSocket;

  private _state: 'opening' | 'open' | 'closed' = 'opening';
  private readonly inbox = new AsyncQueue<DatagramReceived<In>>();
  private readonly errorQueue = new AsyncQueue<SwitchboardError>();
  private mode: 'none' | 'callback' | 'iterator';
  private readonly consumes: boolean;
  private queueFull = false; // a DATAGRAM_QUEUE_FULL was reported and the queue has not drained to half since
  private resolveClosed!: () => void;
  private closing: Promise<void> | undefined;
  private lastTo: { text: string; address: DatagramAddress } | undefined;
  private readonly callbacks: DatagramCallbacks<In, Out> | undefined;

  /** @internal use `bindDatagram()` or `datagramClient()` */
  constructor(
    private readonly setup: Setup<In, Out>,
    private readonly options: DatagramOptions<In, Out>,
    peer: DatagramAddress | undefined,
    private readonly role: 'svc' | 'clt',
  ) {
    this.protocol = setup.protocol;
    this.maxDatagramSize = setup.maxSize;
    this.peer = peer;
    this.callbacks = options.callbacks;
    this.consumes = this.callbacks?.onReceive !== undefined && this.callbacks.observeOnly !== true;
    this.mode = this.consumes ? 'callback' : 'none';
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
  }

  /** @internal opens the socket and reports the endpoint ready. */
  async start(open: (handlers: DatagramHandlers) => Promise<DatagramSocket>): Promise<void> {
    this.socket = await open({
      message: (data, from) => this.onDatagram(data, from),
      error: (err) => this.report(new ConnectionError(ErrorCode.TRANSPORT_ERROR, `${this.name}: ${err.message}`, { cause: err })),
    });
    if (this.peer !== undefined) {
      // Fail now rather than at the first send: an IPv6 peer with an IPv4 bind address, a path too long.
      try {
        this.socket.checkDestination(this.peer);
      } catch (err) {
        await this.socket.close();
        throw err;
      }
    }
    const local = this.socket.local;
    const who = this.options.name ? `${this.options.name}@` : '';
    const here = local === undefined ? '' : formatAddress(local);
    (this as { name: string }).name =
      this.role === 'clt' && this.peer !== undefined ? `clt(${who}${here}->${formatAddress(this.peer)})` : `svc(${who}${here})`;
    this._state = 'open';
    const cb = this.callbacks?.onInitialize;
    if (cb !== undefined) this.guard(() => cb.call(this.callbacks, this));
  }

  get state(): 'open' | 'closed' {
    return this._state === 'closed' ? 'closed' : 'open';
  }

  /** The bound address (port 0 resolved); `undefined` for a Unix client that is not bound (it can only send). */
  get address(): DatagramAddress | undefined {
    return this.socket.local;
  }

  /** `udp://127.0.0.1:40123`, `unixgram:///tmp/app.sock`: give it to `datagramClient()`. `''` when not bound. */
  get url(): string {
    const a = this.socket.local;
    return a === undefined ? '' : formatAddress(a);
  }

  toString(): string {
    return this.name;
  }

  // ---------------------------------------------------------------- receiving

  private onDatagram(data: Uint8Array, from: DatagramAddress | undefined): void {
    if (this._state !== 'open') return;
    const s = this.stats;
    s.received++;
    s.bytesIn += data.length;
    const sender = from === undefined ? 'an unbound sender' : formatAddress(from);
    if (data.length > this.maxDatagramSize) {
      s.droppedOversize++;
      this.report(
        new FramingError(ErrorCode.FRAME_TOO_LARGE, `${this.name}: datagram from ${sender} is ${data.length} bytes, expected no more than ${this.maxDatagramSize}; dropped`, {
          details: { from: sender, size: data.length, max: this.maxDatagramSize },
        }),
      );
      return;
    }
    let msg: In;
    try {
      msg = this.protocol.codec.decode(data, undefined);
    } catch (err) {
      s.decodeErrors++;
      const e = isSwitchboardError(err)
        ? err
        : new CodecError(ErrorCode.DECODE_FAILED, `${this.name}: datagram from ${sender} could not be decoded: ${errorText(err)}`, { cause: err });
      this.report(e);
      return;
    }
    if (this.setup.secret !== undefined) {
      const checked = this.checkSecret(msg);
      if (checked === undefined) {
        s.droppedSecret++;
        const what = msg instanceof Message ? `${msg.command} ${msg.has(SECRET_CODE_PARAMETER) ? 'has a wrong' : 'has no'} ${SECRET_CODE_PARAMETER}` : `a message that is not a named message (it cannot carry ${SECRET_CODE_PARAMETER})`;
        this.report(new ConnectionError(ErrorCode.SECRET_CODE_MISMATCH, `${this.name}: datagram from ${sender}: ${what}; dropped`, { details: { from: sender } }));
        return;
      }
      msg = checked;
    }
    this.deliver(msg, from);
  }

  /** The message without its secret code when the code is right, else `undefined`. */
  private checkSecret(msg: In): In | undefined {
    if (!(msg instanceof Message)) return undefined;
    const got = msg.parameters[SECRET_CODE_PARAMETER];
    if (got === undefined) return undefined;
    if (!timingSafeEqual(digest(got), this.setup.secret!)) return undefined;
    return msg.without(SECRET_CODE_PARAMETER) as In;
  }

  private deliver(msg: In, from: DatagramAddress | undefined): void {
    const auto = this.protocol.autoReply;
    if (auto !== undefined && from !== undefined) {
      let reply: Out | undefined;
      try {
        reply = auto(msg);
      } catch (cause) {
        this.report(new ConnectionError(ErrorCode.HOOK_FAILED, `${this.name}: autoReply threw: ${errorText(cause)}`, { cause }));
      }
      if (reply !== undefined) {
        const r = reply;
        this.guardHook('autoReply send', () => void this.send(r, from));
      }
    }
    const cb = this.callbacks?.onReceive;
    if (cb !== undefined) this.guard(() => cb.call(this.callbacks, this, msg, from));
    if (this.consumes) {
      this.stats.delivered++;
      return;
    }
    if (this.inbox.length >= this.setup.receiveLimit) {
      this.stats.droppedQueueFull++;
      if (!this.queueFull) {
        // Once per episode: a reader that stopped would otherwise flood onFail.
        this.queueFull = true;
        this.report(
          new ConnectionError(
            ErrorCode.DATAGRAM_QUEUE_FULL,
            `${this.name}: ${this.inbox.length} messages wait to be read, expected no more than ${this.setup.receiveLimit}; new ones are dropped until half are read`,
          ),
        );
      }
      return;
    }
    this.stats.delivered++;
    this.inbox.push({ msg, from });
  }

  private afterTake(): void {
    if (this.queueFull && this.inbox.length <= this.setup.receiveLimit >> 1) this.queueFull = false;
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

  /** Messages with their sender, as they arrive. Ends when the endpoint closes (after the queued ones). */
  [Symbol.asyncIterator](): AsyncIterator<DatagramReceived<In>> {
    this.claimIterator();
    return {
      next: async () => {
        const r = await this.inbox.next();
        this.afterTake();
        return r;
      },
      return: async () => ({ value: undefined, done: true }),
    };
  }

  /**
   * The next message and its sender. Rejects with `RECEIVE_TIMEOUT` after `timeout` ms, or with
   * `CONNECTION_CLOSED` once the endpoint is closed and the queue is empty.
   */
  async receive(options: { timeout?: number } = {}): Promise<DatagramReceived<In>> {
    this.claimIterator();
    const { timeout } = options;
    const r = await this.inbox.next(timeout, () => new ConnectionError(ErrorCode.RECEIVE_TIMEOUT, `${this.name}: no message within ${timeout} ms`));
    this.afterTake();
    if (r.done) throw new ConnectionError(ErrorCode.CONNECTION_CLOSED, `${this.name}: closed, no more messages`);
    return r.value;
  }

  /** Errors as they happen: dropped datagrams, failed sends, callbacks that threw. Ends when the endpoint closes. Holds the newest 64 unread. */
  errors(): AsyncIterable<SwitchboardError> {
    const q = this.errorQueue;
    return { [Symbol.asyncIterator]: () => ({ next: () => q.next() }) };
  }

  // ---------------------------------------------------------------- sending

  /**
   * Encodes `msg` and sends it as one datagram to `to` (a URL or a `from` received earlier), or
   * to the client's peer. Returns at once:
   *
   * - `sent`: handed to the socket. Datagrams may still be lost on the way; nothing says so.
   * - `dropped`: not sent: larger than `maxDatagramSize` (`MESSAGE_TOO_LARGE` to `onFail`),
   *   more than `maxQueuedBytes` waiting in the socket, or refused at once by the system
   *   (unixgram: nobody at the path, the receiver's queue is full: `TRANSPORT_ERROR`).
   * - `closed`: the endpoint is closed.
   *
   * Throws `INVALID_ADDRESS` for a destination this endpoint can never reach (bad URL, other
   * scheme or IP family, no `to` on an endpoint without a peer) and a `CodecError` for a message
   * that cannot be encoded: bugs in the caller, not network conditions.
   */
  send(msg: Out, to?: string | DatagramAddress): SendStatus {
    if (this._state !== 'open') return SendStatus.Closed;
    const dest = this.destination(to);
    let out: Out = msg;
    const secret = this.setup.secretText;
    if (secret !== undefined && msg instanceof Message && !msg.has(SECRET_CODE_PARAMETER)) {
      out = msg.with(SECRET_CODE_PARAMETER, secret) as Out;
    }
    const payload = this.protocol.codec.encode(out);
    // A copy: UDP sends leave asynchronously, and the caller may reuse its buffer at once.
    const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Uint8Array.prototype.slice.call(payload);
    const s = this.stats;
    if (data.length > this.maxDatagramSize) {
      s.sendDropped++;
      this.report(
        new CodecError(ErrorCode.MESSAGE_TOO_LARGE, `${this.name}: message for ${formatAddress(dest)} is ${data.length} bytes, expected no more than ${this.maxDatagramSize}; not sent`, {
          details: { to: formatAddress(dest), size: data.length, max: this.maxDatagramSize },
        }),
      );
      return SendStatus.Dropped;
    }
    if (this.socket.queuedBytes >= this.setup.maxQueued) {
      s.sendDropped++;
      return SendStatus.Dropped;
    }
    const refused = this.socket.send(data, dest, (err) => this.sendFailed(err, dest));
    if (refused !== undefined) {
      s.sendDropped++;
      this.sendFailed(refused, dest);
      return SendStatus.Dropped;
    }
    s.sent++;
    s.bytesOut += data.length;
    const cb = this.callbacks?.onSent;
    if (cb !== undefined) this.guard(() => cb.call(this.callbacks, this, msg, dest));
    return SendStatus.Sent;
  }

  private sendFailed(err: Error, dest: DatagramAddress): void {
    this.stats.sendErrors++;
    this.report(
      new ConnectionError(ErrorCode.TRANSPORT_ERROR, `${this.name}: send to ${formatAddress(dest)} failed: ${err.message}`, {
        cause: err,
        details: { to: formatAddress(dest) },
      }),
    );
  }

  private destination(to: string | DatagramAddress | undefined): DatagramAddress {
    let dest: DatagramAddress;
    if (to === undefined) {
      if (this.peer === undefined) {
        throw new ConfigError(ErrorCode.INVALID_ADDRESS, `${this.name}: send() needs a destination: pass one (a URL or a received \`from\`), or use datagramClient()`);
      }
      return this.peer; // checked when the client was created
    }
    if (typeof to === 'string') {
      if (this.lastTo?.text === to) return this.lastTo.address;
      dest = parseDatagramAddress(to);
      this.socket.checkDestination(dest);
      this.lastTo = { text: to, address: dest };
      return dest;
    }
    this.socket.checkDestination(to);
    return to;
  }

  // ---------------------------------------------------------------- closing

  /**
   * Closes: sends already accepted still leave (UDP waits for them, up to `closeTimeout`), then
   * the socket is closed and a Unix socket file it bound is removed. Messages already received
   * stay readable. Resolves when done.
   */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async doClose(): Promise<void> {
    this._state = 'closed';
    try {
      await this.socket?.close();
    } finally {
      this.inbox.end();
      this.errorQueue.end();
      this.resolveClosed();
      const cb = this.callbacks?.onClose;
      if (cb !== undefined) this.guard(() => cb.call(this.callbacks, this));
    }
  }

  // ---------------------------------------------------------------- failures

  /** Tells `onFail` and the error stream. */
  private report(err: SwitchboardError): void {
    this.errorQueue.push(err);
    if (this.errorQueue.length > ERROR_BACKLOG) this.errorQueue.tryShift(); // keep the newest
    const cb = this.callbacks?.onFail;
    if (cb === undefined) return;
    try {
      cb.call(this.callbacks, err, this);
    } catch {
      // an onFail that throws has nowhere left to report to
    }
  }

  /** Runs user code; what it throws is reported as `HOOK_FAILED` and the endpoint goes on. */
  private guard(fn: () => void): void {
    this.guardHook('a callback', fn);
  }

  private guardHook(what: string, fn: () => void): void {
    try {
      fn();
    } catch (cause) {
      this.report(new ConnectionError(ErrorCode.HOOK_FAILED, `${this.name}: ${what} threw: ${errorText(cause)}`, { cause }));
    }
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
