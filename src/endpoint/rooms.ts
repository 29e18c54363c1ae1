/**
 * Rooms: named groups of a server's connections. `conn.join(room)`, `conn.leave(room)`,
 * `server.to(room).send(msg)`. Without a cluster, delivery is local; a cluster (src/cluster)
 * plugs a {@link RoomRelay} in and rooms span every node.
 *
 * Names are checked ({@link checkRoomName}: 1 to 128 characters from A-Z a-z 0-9 _ - : @ ~ +),
 * a connection is in at most `Limits.maxRoomsPerConnection` rooms, and a join goes through the
 * server's authorization hook when it has one (default: every valid name is allowed; the
 * application calls `join()`, so it decides; set `server.rooms.authorize` when clients choose).
 * A closed connection leaves all its rooms.
 */
import { ConnectionError, ErrorCode, Limits, RoomError, checkRoomName } from '../core/index.js';
import type { Connection } from './connection.js';
import type { BroadcastResult } from './server.js';

/** Decides whether `conn` may join `room` (a valid name). Return false to refuse with `ROOM_FORBIDDEN`. */
export type JoinAuthorizer<In, Out> = (conn: Connection<In, Out>, room: string) => boolean | Promise<boolean>;

/** What a cluster plugs into a server's rooms. */
export interface RoomRelay<Out> {
  /** The first local member joined `room`: start receiving its messages from other nodes. */
  opened(room: string): void;
  /** The last local member left `room`: stop receiving them. */
  emptied(room: string): void;
  /** `msg` was sent to `room` on this node (already delivered locally): carry it to the other nodes. */
  publish(room: string, msg: Out): void;
}

/** @internal What a connection asks of the rooms of the server that accepted it (a `Rooms`, types erased). */
export interface RoomHost {
  join(conn: Connection<never, never>, room: string): Promise<void>;
  leave(conn: Connection<never, never>, room: string): boolean;
  of(conn: Connection<never, never>): ReadonlySet<string>;
}

const NONE: ReadonlySet<string> = new Set();

export class Rooms<In, Out> {
  private readonly byRoom = new Map<string, Set<Connection<In, Out>>>();
  private readonly byConn = new WeakMap<Connection<In, Out>, Set<string>>();
  /** Join authorization. @default none: every valid room name may be joined */
  authorize: JoinAuthorizer<In, Out> | undefined;
  /** Set by a cluster: carries room messages to the other nodes. @default none (local rooms) */
  relay: RoomRelay<Out> | undefined;

  /** @internal made by the server, with its encode-once delivery loop */
  constructor(private readonly deliver: (conns: Iterable<Connection<In, Out>>, msg: Out) => BroadcastResult) {}

  /**
   * Adds `conn` to `room`. Rejects with `ROOM_INVALID_NAME`, `ROOM_LIMIT`, `ROOM_FORBIDDEN`
   * (the authorization hook said no, or threw) or `CONNECTION_CLOSED`. Joining twice is a no-op.
   */
  async join(conn: Connection<In, Out>, room: string): Promise<void> {
    checkRoomName(room);
    const mine = this.byConn.get(conn);
    if (mine?.has(room)) return;
    if ((mine?.size ?? 0) >= Limits.maxRoomsPerConnection) {
      throw new RoomError(ErrorCode.ROOM_LIMIT, `${conn.name}: is in ${mine!.size} rooms, expected no more than ${Limits.maxRoomsPerConnection}`, {
        details: { room, limit: Limits.maxRoomsPerConnection },
      });
    }
    const auth = this.authorize;
    if (auth !== undefined) {
      let ok: boolean;
      try {
        ok = await auth(conn, room);
      } catch (cause) {
        throw new RoomError(ErrorCode.ROOM_FORBIDDEN, `${conn.name}: the join authorization hook threw for room ${room}: ${(cause as Error)?.message ?? String(cause)}`, {
          cause,
          details: { room },
        });
      }
      if (ok !== true) throw new RoomError(ErrorCode.ROOM_FORBIDDEN, `${conn.name}: may not join room ${room} (the authorization hook said no)`, { details: { room } });
    }
    if (conn.state === 'closing' || conn.state === 'closed') {
      throw new ConnectionError(ErrorCode.CONNECTION_CLOSED, `${conn.name}: closed before it could join room ${room}`);
    }
    let set = this.byConn.get(conn);
    if (set === undefined) this.byConn.set(conn, (set = new Set()));
    if (set.has(room)) return; // joined twice at once
    if (set.size >= Limits.maxRoomsPerConnection) {
      throw new RoomError(ErrorCode.ROOM_LIMIT, `${conn.name}: is in ${set.size} rooms, expected no more than ${Limits.maxRoomsPerConnection}`, {
        details: { room, limit: Limits.maxRoomsPerConnection },
      });
    }
    set.add(room);
    let members = this.byRoom.get(room);
    if (members === undefined) {
      this.byRoom.set(room, (members = new Set()));
      members.add(conn);
      this.relay?.opened(room);
    } else {
      members.add(conn);
    }
  }

  /** Removes `conn` from `room`; false when it was not in it. */
  leave(conn: Connection<In, Out>, room: string): boolean {
    const set = this.byConn.get(conn);
    if (set === undefined || !set.delete(room)) return false;
    const members = this.byRoom.get(room)!;
    members.delete(conn);
    if (members.size === 0) {
      this.byRoom.delete(room);
      this.relay?.emptied(room);
    }
    return true;
  }

  /** Removes `conn` from every room (done for each connection that closes). */
  leaveAll(conn: Connection<In, Out>): void {
    const set = this.byConn.get(conn);
    if (set === undefined) return;
    for (const room of [...set]) this.leave(conn, room);
    this.byConn.delete(conn);
  }

  /** The rooms `conn` is in. */
  of(conn: Connection<In, Out>): ReadonlySet<string> {
    return this.byConn.get(conn) ?? NONE;
  }

  /** The local members of `room`. */
  members(room: string): ReadonlySet<Connection<In, Out>> {
    return this.byRoom.get(room) ?? new Set<Connection<In, Out>>();
  }

  /** The rooms that have local members. */
  names(): IterableIterator<string> {
    return this.byRoom.keys();
  }

  /** Rooms with local members. */
  get size(): number {
    return this.byRoom.size;
  }

  /**
   * Sends `msg` to the members of `room`: here (encoded once), and through the relay to the
   * other nodes when the server is in a cluster. Returns the local delivery's counts. Throws
   * `ROOM_INVALID_NAME`, or (in a cluster) `CLUSTER_PAYLOAD_TOO_LARGE` before delivering anywhere.
   */
  send(room: string, msg: Out): BroadcastResult {
    checkRoomName(room);
    // The other nodes first: a message over the broker's limit throws before anyone gets it.
    this.relay?.publish(room, msg);
    return this.deliverLocal(room, msg);
  }

  /** Sends `msg` to the local members of `room` only, encoded once. */
  deliverLocal(room: string, msg: Out): BroadcastResult {
    return this.deliver(this.byRoom.get(room) ?? [], msg);
  }
}
