/**
 * `switchboard demo chat`: one node:http server on one port serving
 *
 *     GET /            the page (page.ts): plain HTML and an inline module script
 *     GET /sb/...js    this package's compiled `browser/` and `core/` modules, loaded by the page
 *                      as native ES modules (no bundler needed at run time, see below)
 *     ws  /ws          a Switchboard WebSocket endpoint (attachWebSocket) with the chat protocol
 *
 * Why native modules and not a bundle: the CLI runs from an installed package, where esbuild (a
 * dev dependency) is not there to bundle at start-up, and the compiled ESM under dist/ already
 * is what a browser loads: relative imports with `.js` extensions and no `node:*` anywhere below
 * `browser/` (test/layering.test.ts). So the server serves those files as they are, from the
 * directory this module was loaded from, and only them (`browser/` and `core/`, `.js`).
 *
 * Rooms and presence are application state of this server (protocol.ts), bounded throughout.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ErrorCode, jsonCodec, type SwitchboardError } from '../../core/index.js';
import { attachWebSocket, type Connection, type SessionHandle } from '../../endpoint/index.js';
import { serveHttp, type HttpAnswer } from '../../transport/http-server.js';
import { chatPage } from './page.js';
import { ChatCode, ChatInputError, ChatLimits, DEFAULT_ROOMS, RateLimit, Room, checkName, checkText, parseRequest, type ChatMessage, type ToPage } from './protocol.js';

export interface ChatServerOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** 0: any free port. @default 8080 */
  port?: number;
  /** @default DEFAULT_ROOMS */
  rooms?: readonly string[];
  /**
   * Sessions (docs/sessions.md): the page uses `sessionClient`, and a dropped connection resumes
   * with nothing lost either way. @default false
   */
  sessions?: boolean;
  /** One line per event (listening, joins, leaves, refused input). Peer text in it is not escaped here. */
  log?: (line: string) => void;
}

export interface ChatServer {
  /** `http://host:port/` */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** A page, on a plain connection or a session: how to answer it and how to cut it off. */
interface Member {
  readonly id: string;
  send(msg: ToPage): void;
  close(): void;
  rate: RateLimit;
  room: Room<Member> | undefined;
  name: string;
}

/** With sessions: how long the server keeps the session of a page that went away. */
const SESSION_RETENTION_MS = 30_000;

/** The compiled package root: dist/ (installed) or build/src/ (tests). */
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** What /sb/ serves: compiled modules of browser/ and core/, nothing else. */
const MODULE_PATH = /^\/sb\/((?:browser|core)(?:\/[a-z0-9][a-z0-9-]*)+\.js)$/;

export async function startChatServer(options: ChatServerOptions = {}): Promise<ChatServer> {
  const log = options.log ?? (() => {});
  const epoch = Math.random().toString(36).slice(2, 10);
  const sessions = options.sessions ?? false;
  const rooms = new Map<string, Room<Member>>((options.rooms ?? DEFAULT_ROOMS).map((r) => [r, new Room(r)]));
  const page = chatPage({ sessions });
  const modules = new Map<string, Buffer>(); // a fixed, small set of files (MODULE_PATH)
  let seq = 0;

  const route = async (method: string, path: string): Promise<HttpAnswer> => {
    if (method !== 'GET' && method !== 'HEAD') return { status: 405, headers: { allow: 'GET, HEAD' } };
    if (path === '/') return { status: 200, type: 'text/html; charset=utf-8', body: page };
    const m = MODULE_PATH.exec(path);
    if (m) {
      let body = modules.get(m[1]!);
      if (body === undefined) {
        body = await readFile(PACKAGE_ROOT + m[1]!).catch(() => undefined);
        if (body !== undefined) modules.set(m[1]!, body);
      }
      if (body !== undefined) return { status: 200, type: 'text/javascript; charset=utf-8', body };
    }
    return { status: 404, body: 'not found' };
  };
  const http = await serveHttp(route, { host: options.host ?? '127.0.0.1', port: options.port ?? 8080 });

  const refuse = (m: Member, code: ChatCode, message: string): void => {
    log(`refused ${m.id}: ${code}: ${message}`);
    m.send({ type: 'error', code, message });
  };
  const presence = (room: Room<Member>, except?: Member): void => {
    const list = room.names();
    for (const c of room.members.keys()) if (c !== except) c.send({ type: 'presence', room: room.name, members: list });
  };
  const leave = (m: Member): void => {
    const room = m.room;
    if (!room) return;
    room.members.delete(m);
    m.room = undefined;
    log(`leave ${m.name} ${room.name}`);
    presence(room);
  };
  const join = (m: Member, rawName: unknown, rawRoom: unknown): void => {
    const name = checkName(rawName);
    const room = typeof rawRoom === 'string' ? rooms.get(rawRoom) : undefined;
    if (!room) throw new ChatInputError(ChatCode.ROOM_UNKNOWN, `no room ${JSON.stringify(String(rawRoom)).slice(0, 40)}, expected one of ${[...rooms.keys()].join(', ')}`);
    if (m.room !== room && room.members.size >= ChatLimits.roomMembers) {
      throw new ChatInputError(ChatCode.ROOM_FULL, `room ${room.name} has ${room.members.size} members, the most it may have`);
    }
    if (m.room && m.room !== room) leave(m);
    m.room = room;
    m.name = name;
    room.members.set(m, name);
    log(`join ${name} ${room.name}`);
    m.send({ type: 'joined', room: room.name, name, members: room.names(), history: room.history });
    presence(room, m);
  };

  const handle = (m: Member, value: unknown): void => {
    const req = parseRequest(value);
    if (req.type === 'ping') return; // answered by autoReply
    if (req.type === 'join') return join(m, req.name, req.room);
    // A `say` may name who says it (sessions: a message the page sent before a server restart is
    // sent again to the new server, before the page can join again): join first.
    if (!m.room && req.as !== undefined) join(m, req.as.name, req.as.room);
    if (!m.room) throw new ChatInputError(ChatCode.NOT_JOINED, 'join a room first');
    const text = checkText(req.text);
    const msg: ChatMessage = { type: 'message', room: m.room.name, from: m.name, text, at: Date.now(), epoch, seq: ++seq };
    m.room.remember(msg);
    for (const c of m.room.members.keys()) c.send(msg);
  };

  /** Rate limit first: a flood is refused before any other work, and cut off when it goes on. */
  const admit = (m: Member): boolean => {
    if (m.rate.take(Date.now())) return true;
    if (m.rate.refusedInARow === 1) {
      refuse(m, ChatCode.RATE_LIMITED, `more than ${ChatLimits.ratePerSecond} messages per second (${ChatLimits.rateBurst} at once); this one was dropped`);
    }
    if (m.rate.refusedInARow >= ChatLimits.floodClose) {
      log(`closing ${m.id}: ${m.rate.refusedInARow} messages over the rate in a row`);
      m.close();
    }
    return false;
  };
  const receive = (m: Member | undefined, value: unknown): void => {
    if (!m || isPing(value) || !admit(m)) return;
    try {
      handle(m, value);
    } catch (err) {
      if (!(err instanceof ChatInputError)) throw err;
      refuse(m, err.code, err.message);
    }
  };
  const undecodable = (m: Member | undefined, err: SwitchboardError): boolean => {
    if (err.code !== ErrorCode.INVALID_JSON && err.code !== ErrorCode.INVALID_UTF8 && err.code !== ErrorCode.DECODE_FAILED) return false;
    if (m && admit(m)) refuse(m, ChatCode.INVALID_JSON, 'the message was not valid JSON');
    return true;
  };
  const hello = (m: Member): void => {
    m.send({ type: 'hello', rooms: [...rooms.keys()], epoch, limits: { nameMax: ChatLimits.nameMax, textMax: ChatLimits.textMax } });
  };
  const member = (id: string, send: (msg: ToPage) => void, close: () => void): Member => ({ id, send, close, rate: new RateLimit(Date.now()), room: undefined, name: '' });

  const common = {
    path: '/ws',
    name: 'chat',
    websocket: { limits: { maxMessageSize: ChatLimits.messageBytes } },
    maxConnections: ChatLimits.connections,
    overflow: 'close' as const,
    maxQueuedBytes: 1024 * 1024,
  };
  let ws: { close(o: { timeout: number }): Promise<void> };
  if (sessions) {
    const bySession = new Map<SessionHandle<unknown, ToPage>, Member>();
    ws = attachWebSocket<unknown, ToPage>(http.server, {
      ...common,
      codec: jsonCodec<unknown, ToPage>(),
      // The page PINGs every 15 s (the session heartbeat); a raw connection silent for 60 s is gone.
      idleTimeout: 60_000,
      callbacks: { onFail: (err, conn) => void (conn && log(`${conn.name}: ${err.code}: ${err.message}`)) },
      session: {
        retention: SESSION_RETENTION_MS,
        onOpen(session, info) {
          log(`session ${session.id} ${info.resumed ? 'resumed' : 'opened'}`);
          if (bySession.has(session)) return; // resumed: nothing was lost either way
          const m = member(`session ${session.id}`, (msg) => void session.send(msg), () => void session.close());
          bySession.set(session, m);
          hello(m);
        },
        onMessage: (session, value) => receive(bySession.get(session), value),
        onFail: (session, err) => void (undecodable(bySession.get(session), err) || log(`session ${session.id}: ${err.code}: ${err.message}`)),
        onEnd(session) {
          const m = bySession.get(session);
          bySession.delete(session);
          if (m) leave(m);
        },
      },
    });
  } else {
    const byConn = new Map<Connection<unknown, ToPage>, Member>();
    ws = attachWebSocket<unknown, ToPage>(http.server, {
      ...common,
      protocol: {
        codec: jsonCodec<unknown, ToPage>(),
        autoReply: (msg) => (isPing(msg) ? { type: 'pong' } : undefined),
        // Nothing from a page for 30 s (it pings every 5 s): it is gone. Idle pages get a pong every 20 s.
        heartbeat: { interval: 20_000, message: { type: 'pong' }, timeout: 30_000 },
      },
      decodeErrors: 'skip',
      callbacks: {
        onConnect(conn) {
          const m = member(conn.name, (msg) => void conn.send(msg), () => void conn.close({ code: 1008, reason: 'flood' }));
          byConn.set(conn, m);
          hello(m);
        },
        onReceive: (conn, value) => receive(byConn.get(conn), value),
        onFail(err: SwitchboardError, conn) {
          if (!conn) return log(`server: ${err.code}: ${err.message}`);
          if (!undecodable(byConn.get(conn), err)) log(`${conn.name}: ${err.code}: ${err.message}`);
        },
        onDisconnect(conn) {
          const m = byConn.get(conn);
          byConn.delete(conn);
          if (m) leave(m);
        },
      },
    });
  }

  const { host, port } = http;
  const url = `http://${host}:${port}/`;
  log(`listening ${url} (WebSocket ws://${host}:${port}/ws${sessions ? ' with sessions' : ''}; rooms ${[...rooms.keys()].join(', ')})`);
  return {
    url,
    port,
    async close() {
      await ws.close({ timeout: 2000 });
      await http.close();
    },
  };
}

function isPing(v: unknown): boolean {
  return typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'ping';
}
