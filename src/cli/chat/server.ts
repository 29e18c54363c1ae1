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
import { attachWebSocket, type Connection, type Server } from '../../endpoint/index.js';
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
  /** One line per event (listening, joins, leaves, refused input). Peer text in it is not escaped here. */
  log?: (line: string) => void;
}

export interface ChatServer {
  /** `http://host:port/` */
  readonly url: string;
  readonly port: number;
  /** The WebSocket endpoint. */
  readonly ws: Server<unknown, ToPage>;
  close(): Promise<void>;
}

interface Member {
  rate: RateLimit;
  room: Room<Connection<unknown, ToPage>> | undefined;
  name: string;
}

/** The compiled package root: dist/ (installed) or build/src/ (tests). */
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** What /sb/ serves: compiled modules of browser/ and core/, nothing else. */
const MODULE_PATH = /^\/sb\/((?:browser|core)(?:\/[a-z0-9][a-z0-9-]*)+\.js)$/;

export async function startChatServer(options: ChatServerOptions = {}): Promise<ChatServer> {
  const log = options.log ?? (() => {});
  const epoch = Math.random().toString(36).slice(2, 10);
  const rooms = new Map<string, Room<Connection<unknown, ToPage>>>((options.rooms ?? DEFAULT_ROOMS).map((r) => [r, new Room(r)]));
  const members = new Map<Connection<unknown, ToPage>, Member>();
  const page = chatPage({ sessions: false });
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

  const send = (conn: Connection<unknown, ToPage>, msg: ToPage): void => void conn.send(msg);
  const refuse = (conn: Connection<unknown, ToPage>, code: ChatCode, message: string): void => {
    log(`refused ${conn.name}: ${code}: ${message}`);
    send(conn, { type: 'error', code, message });
  };
  const presence = (room: Room<Connection<unknown, ToPage>>, except?: Connection<unknown, ToPage>): void => {
    const list = room.names();
    for (const c of room.members.keys()) if (c !== except) send(c, { type: 'presence', room: room.name, members: list });
  };
  const leave = (conn: Connection<unknown, ToPage>, m: Member): void => {
    const room = m.room;
    if (!room) return;
    room.members.delete(conn);
    m.room = undefined;
    log(`leave ${m.name} ${room.name}`);
    presence(room);
  };

  const handle = (conn: Connection<unknown, ToPage>, m: Member, value: unknown): void => {
    const req = parseRequest(value);
    if (req.type === 'ping') return; // answered by autoReply
    if (req.type === 'join') {
      const name = checkName(req.name);
      const room = typeof req.room === 'string' ? rooms.get(req.room) : undefined;
      if (!room) throw new ChatInputError(ChatCode.ROOM_UNKNOWN, `no room ${JSON.stringify(String(req.room)).slice(0, 40)}, expected one of ${[...rooms.keys()].join(', ')}`);
      if (m.room !== room && room.members.size >= ChatLimits.roomMembers) {
        throw new ChatInputError(ChatCode.ROOM_FULL, `room ${room.name} has ${room.members.size} members, the most it may have`);
      }
      if (m.room && m.room !== room) leave(conn, m);
      m.room = room;
      m.name = name;
      room.members.set(conn, name);
      log(`join ${name} ${room.name}`);
      send(conn, { type: 'joined', room: room.name, name, members: room.names(), history: room.history });
      presence(room, conn);
      return;
    }
    if (!m.room) throw new ChatInputError(ChatCode.NOT_JOINED, 'join a room first');
    const text = checkText(req.text);
    const msg: ChatMessage = { type: 'message', room: m.room.name, from: m.name, text, at: Date.now(), epoch, seq: ++seq };
    m.room.remember(msg);
    for (const c of m.room.members.keys()) send(c, msg);
  };

  /** Rate limit first: a flood is refused before any other work, and cut off when it goes on. */
  const admit = (conn: Connection<unknown, ToPage>, m: Member): boolean => {
    if (m.rate.take(Date.now())) return true;
    if (m.rate.refusedInARow === 1) {
      refuse(conn, ChatCode.RATE_LIMITED, `more than ${ChatLimits.ratePerSecond} messages per second (${ChatLimits.rateBurst} at once); this one was dropped`);
    }
    if (m.rate.refusedInARow >= ChatLimits.floodClose) {
      log(`closing ${conn.name}: ${m.rate.refusedInARow} messages over the rate in a row`);
      void conn.close({ code: 1008, reason: 'flood' });
    }
    return false;
  };

  const ws = attachWebSocket<unknown, ToPage>(http.server, {
    path: '/ws',
    name: 'chat',
    protocol: {
      codec: jsonCodec<unknown, ToPage>(),
      autoReply: (msg) => (isPing(msg) ? { type: 'pong' } : undefined),
      // Nothing from a page for 30 s (it pings every 5 s): it is gone. Idle pages get a pong every 20 s.
      heartbeat: { interval: 20_000, message: { type: 'pong' }, timeout: 30_000 },
    },
    websocket: { limits: { maxMessageSize: ChatLimits.messageBytes } },
    maxConnections: ChatLimits.connections,
    decodeErrors: 'skip',
    overflow: 'close',
    maxQueuedBytes: 1024 * 1024,
    callbacks: {
      onConnect(conn) {
        members.set(conn, { rate: new RateLimit(Date.now()), room: undefined, name: '' });
        send(conn, { type: 'hello', rooms: [...rooms.keys()], epoch, limits: { nameMax: ChatLimits.nameMax, textMax: ChatLimits.textMax } });
      },
      onReceive(conn, value) {
        const m = members.get(conn);
        if (!m || isPing(value) || !admit(conn, m)) return;
        try {
          handle(conn, m, value);
        } catch (err) {
          if (!(err instanceof ChatInputError)) throw err;
          refuse(conn, err.code, err.message);
        }
      },
      onFail(err: SwitchboardError, conn) {
        if (!conn) return log(`server: ${err.code}: ${err.message}`);
        const m = members.get(conn);
        if (err.code === ErrorCode.INVALID_JSON || err.code === ErrorCode.INVALID_UTF8 || err.code === ErrorCode.DECODE_FAILED) {
          if (m && admit(conn, m)) refuse(conn, ChatCode.INVALID_JSON, 'the message was not valid JSON');
        } else log(`${conn.name}: ${err.code}: ${err.message}`);
      },
      onDisconnect(conn) {
        const m = members.get(conn);
        members.delete(conn);
        if (m) leave(conn, m);
      },
    },
  });

  const { host, port } = http;
  const url = `http://${host}:${port}/`;
  log(`listening ${url} (WebSocket ws://${host}:${port}/ws; rooms ${[...rooms.keys()].join(', ')})`);
  return {
    url,
    port,
    ws,
    async close() {
      await ws.close({ timeout: 2000 });
      await http.close();
    },
  };
}

function isPing(v: unknown): boolean {
  return typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'ping';
}
