/**
 * Service addressing for named messages across the cluster, as eventdispatcher's communicator
 * daemon routes them between machines:
 *
 *     REGISTER service=lockd      a connection becomes an instance of service `lockd`
 *     lockd/LOCK key=a            reaches one instance of lockd, on whatever node
 *     web2:lockd/LOCK key=a       reaches lockd on node web2 only (`.`: this node)
 *     * /RELOAD   (no space)      reaches every instance of every service on every node
 *     web2:* /RELOAD              every service on node web2
 *
 * Several instances of one service share its messages (a NATS queue group: one instance gets
 * each message). A message for a service that nothing in the cluster serves is answered
 * `SERVICE_UNAVAILABLE destination_service=<S>;command=<CMD>` (and `send()` rejects with
 * `SERVICE_UNAVAILABLE`): a message to one service is a broker request that the receiving node
 * acknowledges, so "nobody there" is known at once (NATS "no responders"), never a silent loss.
 *
 * Subjects:
 *
 *     <ns>.svc.<S>                   queue group <S>: every instance of S
 *     <ns>.svcnode.<node>.<S>        queue group <S>: the instances of S on <node>
 *     <ns>.svcall                    every node: every local instance of every service
 *     <ns>.svcall.<node>             the same, one node
 *
 * Service names are checked as room names are (A-Z a-z 0-9 _ - : @ ~ +, at most 128); the
 * line form of named messages allows only A-Z a-z 0-9 _ in them anyway.
 */
import { ErrorCode, Limits, RequestError, SendStatus, checkRoomName, isAccepted, parseMessage, type Message } from '../core/index.js';
import { localCodeFor } from '../core/session/errors.js';
import type { Connection } from '../endpoint/index.js';
import type { Broker, BrokerMessage, BrokerSubscription } from './broker.js';
import { encodeControl, parseControl } from './envelope.js';
import { ClusterError } from './errors.js';

/** What a handler gets besides the message. */
export interface ServiceContext {
  /** Whether this is a request (`services.request()`): the handler's return value is the reply. */
  readonly request: boolean;
  /** The node the message came from ('' when not known). */
  readonly from: string;
  /** Aborts when the requester gave up (its timeout or signal) or this node leaves the cluster. */
  readonly signal: AbortSignal;
}

/**
 * A local handler that serves a service (instead of a connection). For a request it returns the
 * reply (a `Message`, or a promise of one); a throw or rejection is answered with the error's
 * `code` (when it is `[A-Z0-9_]{1,64}`, else `REQUEST_FAILED`) and message, never its stack.
 */
export type ServiceHandler = (msg: Message, ctx: ServiceContext) => unknown;

/** What `register()` returns. */
export interface ServiceRegistration {
  readonly service: string;
  readonly active: boolean;
  /** Stops serving; false when already stopped. */
  remove(): boolean;
}

/** What a node's services need from the node. */
interface NodeView {
  readonly name: string;
  readonly stats: { malformed: number };
}

interface Instance {
  service: string;
  target: Connection<Message, Message> | ServiceHandler;
  subs: BrokerSubscription[];
  active: boolean;
}

const utf8 = new TextEncoder();
const text = new TextDecoder('utf-8', { fatal: true });
/** A handler's error message is cut to this many characters in the answer. */
const ERROR_MESSAGE_MAX = 1024;
const NEVER = new AbortController().signal;
const SEND_CONTEXT = (from: string): ServiceContext => ({ request: false, from, signal: NEVER });
let requestSeq = 0;

function describe(target: Instance['target']): string {
  return typeof target === 'function' ? 'a handler' : target.name;
}

export class Services {
  private readonly local = new Map<string, Instance[]>();
  private allSubs: BrokerSubscription[] = [];
  /** Requests this node's handlers are answering, by request id: aborted by a CANCEL. */
  private readonly answering = new Map<string, AbortController>();
  private cancelSub: BrokerSubscription | undefined;
  /** Requests this node has in flight (bounded by `maxRequests`). */
  private asking = 0;
  /** Requests one node may have in flight, and answer at once, across all services. @default Limits.sessionMaxRequests (1024) */
  maxRequests: number = Limits.sessionMaxRequests;
  /** Time `request()` waits for the reply, in ms. @default Limits.requestTimeout (30000) */
  requestTimeout: number = Limits.requestTimeout;
  /** Messages delivered to local instances. */
  delivered = 0;
  /**
   * Whether `conn` may register as `service` (REGISTER). @default none: every valid name is allowed
   */
  authorizeRegister: ((conn: Connection<Message, Message>, service: string) => boolean) | undefined;
  /**
   * Whether a message received on `conn` may be routed to its destination service. A refused one is
   * answered `SERVICE_UNAVAILABLE` (a client learns nothing about what exists). @default none: all may
   */
  authorizeSend: ((conn: Connection<Message, Message>, msg: Message) => boolean) | undefined;
  /** Time a message to one service waits for the receiving node's acknowledgement, in ms. @default Limits.clusterQueryTimeout (2000) */
  timeout: number = Limits.clusterQueryTimeout;

  /** @internal made by the cluster node */
  constructor(
    private readonly node: NodeView,
    private readonly broker: Broker,
    private readonly ns: string,
  ) {}

  /** Names of the services with an instance on this node. */
  localNames(): string[] {
    return [...this.local.keys()].sort();
  }

  /**
   * Makes `target` (a connection, or a handler here) an instance of `service`. A connection is
   * removed when it closes. Throws `ROOM_INVALID_NAME` for a bad name.
   */
  register(service: string, target: Connection<Message, Message> | ServiceHandler): ServiceRegistration {
    checkRoomName(service, 'service');
    const inst: Instance = { service, target, subs: [], active: true };
    const onMsg = (m: BrokerMessage): void => this.onServiceMessage(m, inst);
    inst.subs.push(
      this.broker.subscribe(`${this.ns}.svc.${service}`, onMsg, { queue: service }),
      this.broker.subscribe(`${this.ns}.svcnode.${this.node.name}.${service}`, onMsg, { queue: service }),
    );
    if (typeof target === 'function') {
      // Only handlers answer requests: a request finds a handler of S wherever one is, or gets
      // SERVICE_UNAVAILABLE at once (NATS "no responders"), never a connection that cannot answer.
      const onReq = (m: BrokerMessage): void => void this.onRequest(m, inst);
      inst.subs.push(
        this.broker.subscribe(`${this.ns}.svcreq.${service}`, onReq, { queue: service }),
        this.broker.subscribe(`${this.ns}.svcreqnode.${this.node.name}.${service}`, onReq, { queue: service }),
      );
      this.cancelSub ??= this.broker.subscribe(`${this.ns}.svccancel`, (m) => this.onCancel(m));
    }
    let list = this.local.get(service);
    if (list === undefined) this.local.set(service, (list = []));
    list.push(inst);
    if (this.allSubs.length === 0) {
      const onAll = (m: BrokerMessage): void => this.onBroadcast(m);
      this.allSubs = [this.broker.subscribe(`${this.ns}.svcall`, onAll), this.broker.subscribe(`${this.ns}.svcall.${this.node.name}`, onAll)];
    }
    const reg: ServiceRegistration = {
      service,
      get active() {
        return inst.active;
      },
      remove: () => this.remove(inst),
    };
    if (typeof target !== 'function') void target.closed.then(() => this.remove(inst));
    return reg;
  }

  private remove(inst: Instance): boolean {
    if (!inst.active) return false;
    inst.active = false;
    for (const s of inst.subs) s.unsubscribe();
    const list = this.local.get(inst.service)!;
    list.splice(list.indexOf(inst), 1);
    if (list.length === 0) this.local.delete(inst.service);
    if (this.local.size === 0) {
      for (const s of this.allSubs) s.unsubscribe();
      this.allSubs = [];
    }
    return true;
  }

  /**
   * Sends `msg` to its destination service (`msg.service`, on `msg.server` when given).
   * Resolves once a node has handed it to an instance; rejects with `SERVICE_UNAVAILABLE`
   * (no instance anywhere), `REQUEST_TIMEOUT` (no node acknowledged in time),
   * `CLUSTER_PAYLOAD_TOO_LARGE` or `INVALID_OPTION` (no destination). `*` (every service)
   * resolves once published: a broadcast is not acknowledged.
   */
  async send(msg: Message, options: { timeout?: number } = {}): Promise<void> {
    const service = msg.service;
    if (service === '' || service === '.') throw new ClusterError(ErrorCode.INVALID_OPTION, `${msg.command}: has no destination service`);
    const server = msg.server === '.' ? this.node.name : msg.server;
    // A sender that names its service gets this node as its server, so that replies find it.
    const stamped = msg.sentFromServer === '' && msg.sentFromService !== '' ? msg.sentFrom(this.node.name, msg.sentFromService) : msg;
    const bytes = utf8.encode(String(stamped));
    if (service === '*' || service === '?') {
      this.broker.publish(server === '' || server === '*' ? `${this.ns}.svcall` : `${this.ns}.svcall.${checkRoomName(server, 'node')}`, bytes);
      return;
    }
    checkRoomName(service, 'service');
    const subject = server === '' || server === '*' ? `${this.ns}.svc.${service}` : `${this.ns}.svcnode.${checkRoomName(server, 'node')}.${service}`;
    if (!this.broker.connected) {
      throw new ClusterError(ErrorCode.SERVICE_UNAVAILABLE, `${service}: the broker link is down; cannot reach the service`, { details: { service } });
    }
    const ack = await this.broker.request(subject, bytes, { timeout: options.timeout ?? this.timeout });
    const a = parseControl(ack.data);
    if (typeof a === 'string' || a.t !== 'ack') {
      this.node.stats.malformed++;
      throw new ClusterError(ErrorCode.CLUSTER_ENVELOPE_INVALID, `${service}: the acknowledgement is malformed${typeof a === 'string' ? `: ${a}` : ''}`);
    }
    if (a['ok'] !== true) throw new ClusterError(ErrorCode.SERVICE_UNAVAILABLE, `${service}: the instance on ${a.node} is gone`, { details: { service, node: a.node } });
  }

  /**
   * Sends `msg` as a request to one handler of its destination service (`msg.service`, on
   * `msg.server` when given) and resolves with the handler's reply. Rejects with
   * `SERVICE_UNAVAILABLE` (no handler of the service anywhere, or the broker link is down),
   * `REQUEST_TIMEOUT`, `REQUEST_ABORTED` (the signal), `TOO_MANY_REQUESTS` (this node has
   * `maxRequests` in flight, or the answering node is answering that many), the handler's error
   * (a `RequestError` with `remoteCode`; `REQUEST_FAILED` for codes we do not know), or
   * `CLUSTER_ENVELOPE_INVALID` (a malformed answer). A timeout or an abort also aborts the
   * handler's `ctx.signal` on the answering node. Only handlers answer requests (a connection
   * registered as a service has no way to correlate a reply).
   */
  async request(msg: Message, options: { timeout?: number; signal?: AbortSignal } = {}): Promise<Message> {
    const service = msg.service;
    if (service === '' || service === '.' || service === '*' || service === '?') {
      throw new ClusterError(ErrorCode.INVALID_OPTION, `${msg.command}: a request needs one destination service, got '${service}'`);
    }
    checkRoomName(service, 'service');
    const server = msg.server === '.' ? this.node.name : msg.server;
    const subject = server === '' || server === '*' ? `${this.ns}.svcreq.${service}` : `${this.ns}.svcreqnode.${checkRoomName(server, 'node')}.${service}`;
    const timeout = options.timeout ?? this.requestTimeout;
    if (!(timeout > 0)) throw new ClusterError(ErrorCode.INVALID_OPTION, `timeout must be a positive number, got ${timeout}`);
    const { signal } = options;
    if (signal?.aborted) throw new RequestError(ErrorCode.REQUEST_ABORTED, `${service}/${msg.command}: aborted before it was sent`, 0);
    if (!this.broker.connected) {
      throw new ClusterError(ErrorCode.SERVICE_UNAVAILABLE, `${service}: the broker link is down; cannot reach the service`, { details: { service } });
    }
    if (this.asking >= this.maxRequests) {
      throw new RequestError(ErrorCode.TOO_MANY_REQUESTS, `${this.node.name}: ${this.asking} requests in flight (maxRequests ${this.maxRequests})`, 0);
    }
    const id = `${this.node.name}.${(++requestSeq).toString(36)}`;
    const data = encodeControl({ t: 'req', node: this.node.name, id, msg: String(msg) });
    this.asking++;
    let onAbort: (() => void) | undefined;
    const cancel = (): void => {
      try {
        this.broker.publish(`${this.ns}.svccancel`, encodeControl({ t: 'cancel', node: this.node.name, id }));
      } catch {
        // the link is gone: the answering node's handler runs to its end
      }
    };
    try {
      const answer = this.broker.request(subject, data, { timeout });
      const aborted = new Promise<never>((_, reject) => {
        if (signal === undefined) return;
        onAbort = () => reject(new RequestError(ErrorCode.REQUEST_ABORTED, `${service}/${msg.command}: aborted`, 0));
        signal.addEventListener('abort', onAbort, { once: true });
      });
      let m: BrokerMessage;
      try {
        m = await Promise.race([answer, aborted]);
      } catch (e) {
        answer.catch(() => {}); // settles later (its timeout): nobody waits for it
        const code = (e as { code?: string }).code;
        if (code === ErrorCode.REQUEST_ABORTED || code === ErrorCode.REQUEST_TIMEOUT) cancel();
        if (code === ErrorCode.REQUEST_TIMEOUT) {
          throw new RequestError(ErrorCode.REQUEST_TIMEOUT, `${service}/${msg.command}: no answer within ${timeout} ms`, 0, undefined, { cause: e });
        }
        throw e;
      }
      const a = parseControl(m.data);
      if (typeof a === 'string' || (a.t !== 'res' && a.t !== 'err')) {
        this.node.stats.malformed++;
        throw new ClusterError(ErrorCode.CLUSTER_ENVELOPE_INVALID, `${service}: the answer is malformed${typeof a === 'string' ? `: ${a}` : ''}`);
      }
      if (a.t === 'err') {
        const remote = typeof a['code'] === 'string' && /^[A-Z0-9_]{1,64}$/.test(a['code']) ? a['code'] : ErrorCode.REQUEST_FAILED;
        const why = typeof a['message'] === 'string' ? a['message'].slice(0, ERROR_MESSAGE_MAX) : '';
        throw new RequestError(localCodeFor(remote), `${service}/${msg.command} on ${a.node}: ${remote}: ${why}`, 0, remote);
      }
      const reply = typeof a['msg'] === 'string' ? this.parseLine(a['msg']) : undefined;
      if (reply === undefined) {
        this.node.stats.malformed++;
        throw new ClusterError(ErrorCode.CLUSTER_ENVELOPE_INVALID, `${service}: the reply from ${a.node} is not a named message`);
      }
      return reply;
    } finally {
      this.asking--;
      if (onAbort !== undefined) signal!.removeEventListener('abort', onAbort);
    }
  }

  private parseLine(line: string): Message | undefined {
    try {
      return parseMessage(line, { maxLength: line.length * 3 + 1 });
    } catch {
      return undefined;
    }
  }

  /** A request for a handler of this node: run it, answer its reply or its error. */
  private async onRequest(m: BrokerMessage, inst: Instance): Promise<void> {
    const reply = m.reply;
    const c = parseControl(m.data);
    const msg = typeof c === 'string' || c.t !== 'req' || typeof c['id'] !== 'string' || typeof c['msg'] !== 'string' ? undefined : this.parseLine(c['msg']);
    if (msg === undefined || reply === undefined || typeof c === 'string') {
      this.node.stats.malformed++;
      return;
    }
    const id = c['id'] as string;
    const answer = (body: Record<string, unknown>): void => {
      try {
        this.broker.publish(reply, encodeControl({ node: this.node.name, ...body } as never));
      } catch {
        // too large, or the link is gone: the requester times out
      }
    };
    if (!inst.active) return answer({ t: 'err', code: ErrorCode.SERVICE_UNAVAILABLE, message: `the ${inst.service} handler left` });
    if (this.answering.size >= this.maxRequests || this.answering.has(id)) {
      return answer({ t: 'err', code: ErrorCode.TOO_MANY_REQUESTS, message: `${this.node.name} is answering ${this.answering.size} requests` });
    }
    const ac = new AbortController();
    this.answering.set(id, ac);
    try {
      const r = await (inst.target as ServiceHandler)(msg, { request: true, from: c.node, signal: ac.signal });
      if (ac.signal.aborted) return; // the requester is gone
      if (r === null || typeof r !== 'object' || typeof (r as Message).command !== 'string') {
        return answer({ t: 'err', code: ErrorCode.REQUEST_FAILED, message: `the ${inst.service} handler answered no message` });
      }
      answer({ t: 'res', msg: String(r) });
    } catch (e) {
      if (ac.signal.aborted) return;
      const raw = (e as { code?: unknown } | null)?.code;
      const code = typeof raw === 'string' && /^[A-Z0-9_]{1,64}$/.test(raw) ? raw : ErrorCode.REQUEST_FAILED;
      const why = e instanceof Error ? e.message : String(e);
      answer({ t: 'err', code, message: why.slice(0, ERROR_MESSAGE_MAX) });
    } finally {
      this.answering.delete(id);
    }
  }

  private onCancel(m: BrokerMessage): void {
    const c = parseControl(m.data);
    if (typeof c === 'string' || c.t !== 'cancel' || typeof c['id'] !== 'string') {
      this.node.stats.malformed++;
      return;
    }
    const ac = this.answering.get(c['id']);
    if (ac === undefined) return;
    this.answering.delete(c['id']);
    ac.abort(new RequestError(ErrorCode.REQUEST_ABORTED, `${c.node} gave up on request ${c['id']}`, 0));
  }

  /** Parses a message from the broker, or counts it as malformed. */
  private parse(m: BrokerMessage): Message | undefined {
    let msg: Message | undefined;
    try {
      msg = this.parseLine(text.decode(m.data));
    } catch {
      // not UTF-8
    }
    if (msg === undefined) this.node.stats.malformed++;
    return msg;
  }

  private deliver(inst: Instance, msg: Message): boolean {
    if (!inst.active) return false;
    const t = inst.target;
    if (typeof t === 'function') {
      try {
        void Promise.resolve(t(msg, SEND_CONTEXT(msg.sentFromServer))).catch(() => {});
      } catch {
        // the handler's bug; the message was delivered
      }
      this.delivered++;
      return true;
    }
    const status = t.send(msg);
    if (isAccepted(status)) this.delivered++;
    return isAccepted(status);
  }

  private onServiceMessage(m: BrokerMessage, inst: Instance): void {
    const msg = this.parse(m);
    const ok = msg !== undefined && this.deliver(inst, msg);
    if (m.reply !== undefined) {
      try {
        this.broker.publish(m.reply, encodeControl({ t: 'ack', node: this.node.name, ok }));
      } catch {
        // the asker times out
      }
    }
  }

  private onBroadcast(m: BrokerMessage): void {
    const msg = this.parse(m);
    if (msg === undefined) return;
    for (const list of this.local.values()) for (const inst of [...list]) this.deliver(inst, msg);
  }

  /**
   * Whether `handle()` takes `msg`: REGISTER / UNREGISTER, or a message addressed to a service.
   * Wire it in a dispatcher: `d.on((m) => node.services.handles(m), (m, ctx) => node.services.handle(m, ctx.conn), { priority: 0 })`.
   */
  handles(msg: Message): boolean {
    return msg.command === 'REGISTER' || msg.command === 'UNREGISTER' || (msg.service !== '' && msg.service !== '.');
  }

  /**
   * Handles a message a client sent: `REGISTER service=S` (answered `READY`), `UNREGISTER
   * service=S`, or a message for a service, routed; a failure is answered
   * `SERVICE_UNAVAILABLE destination_service=S;command=CMD` on `conn`. Bad names are answered
   * `INVALID command=<CMD>;message=<why>`. Never throws.
   */
  async handle(msg: Message, conn: Connection<Message, Message> | undefined): Promise<SendStatus | undefined> {
    const answer = (reply: Message): SendStatus | undefined => conn?.send(reply);
    if (msg.command === 'REGISTER' || msg.command === 'UNREGISTER') {
      const service = msg.get('service');
      try {
        checkRoomName(service, 'service');
      } catch (e) {
        return answer(msg.reply('INVALID', { command: msg.command, message: (e as Error).message }));
      }
      if (conn === undefined) return undefined;
      if (msg.command === 'UNREGISTER') {
        for (const inst of [...(this.local.get(service!) ?? [])]) if (inst.target === conn) this.remove(inst);
        return undefined;
      }
      if (this.authorizeRegister !== undefined && this.authorizeRegister(conn, service!) !== true) {
        return answer(msg.reply('INVALID', { command: msg.command, message: `may not register as ${service}` }));
      }
      if (!(this.local.get(service!) ?? []).some((i) => i.target === conn)) {
        this.register(service!, conn);
        // READY once the broker has the subscriptions: a message sent after it finds the service.
        await this.broker.flush().catch(() => {});
      }
      return answer(msg.reply('READY'));
    }
    if (conn !== undefined && this.authorizeSend !== undefined && this.authorizeSend(conn, msg) !== true) {
      return answer(msg.reply('SERVICE_UNAVAILABLE', { destination_service: msg.service, command: msg.command }));
    }
    // A registered connection's messages say where they come from, so that replies find it.
    let out = msg;
    if (conn !== undefined && msg.sentFromService === '') {
      const mine = [...this.local].find(([, list]) => list.some((i) => i.target === conn));
      if (mine !== undefined) out = msg.sentFrom(this.node.name, mine[0]);
    }
    try {
      await this.send(out);
      return SendStatus.Sent;
    } catch (e) {
      const code = (e as ClusterError).code;
      if (code === ErrorCode.SERVICE_UNAVAILABLE || code === ErrorCode.REQUEST_TIMEOUT || code === ErrorCode.CLUSTER_ENVELOPE_INVALID || code === ErrorCode.CLUSTER_CLOSED) {
        return answer(msg.reply('SERVICE_UNAVAILABLE', { destination_service: msg.service, command: msg.command }));
      }
      return answer(msg.reply('INVALID', { command: msg.command, message: (e as Error).message }));
    }
  }

  /** @internal the node is leaving the cluster */
  close(): void {
    for (const list of [...this.local.values()]) for (const inst of [...list]) this.remove(inst);
    this.cancelSub?.unsubscribe();
    this.cancelSub = undefined;
    for (const ac of this.answering.values()) ac.abort(new RequestError(ErrorCode.REQUEST_ABORTED, `${this.node.name} left the cluster`, 0));
    this.answering.clear();
  }

  /** Instances on this node, per service. */
  get instances(): ReadonlyMap<string, number> {
    return new Map([...this.local].map(([s, l]) => [s, l.length]));
  }

  toString(): string {
    return `services of ${this.node.name}: ${[...this.local].map(([s, l]) => `${s}(${l.map((i) => describe(i.target)).join(', ')})`).join(' ')}`;
  }
}
