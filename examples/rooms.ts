// Rooms on one server: clients join by name (an authorization hook decides), a message for a
// room is encoded once and reaches its members only; `conn.data` keeps who each connection is.
import { connect, jsonCodec, listen, type Connection } from 'switchboard';

type ToServer = { op: 'hello'; user: string } | { op: 'join'; room: string } | { op: 'say'; room: string; text: string };
type ToClient = { op: 'joined' | 'refused'; room: string } | { op: 'msg'; room: string; from: string; text: string };

export async function main(log: (line: string) => void = console.log): Promise<void> {
  await using server = await listen<ToServer, ToClient>('tcp://127.0.0.1:0', {
    protocol: { codec: jsonCodec() },
    callbacks: {
      async onReceive(conn, msg) {
        if (msg.op === 'hello') conn.data['user'] = msg.user;
        if (msg.op === 'join') {
          const ok = await conn.join(msg.room).then(() => true, () => false); // ROOM_FORBIDDEN, ROOM_INVALID_NAME...
          conn.send({ op: ok ? 'joined' : 'refused', room: msg.room });
        }
        if (msg.op === 'say') server.to(msg.room).send({ op: 'msg', room: msg.room, from: String(conn.data['user']), text: msg.text });
      },
    },
  });
  // Anyone may join public rooms; "staff" only for users whose name starts with "admin".
  server.rooms.authorize = (conn, room) => room !== 'staff' || String(conn.data['user']).startsWith('admin');

  const client = async (user: string, rooms: string[]): Promise<Connection<ToClient, ToServer>> => {
    const c = await connect<ToClient, ToServer>(server.url, { protocol: { codec: jsonCodec() } });
    c.send({ op: 'hello', user });
    for (const room of rooms) {
      c.send({ op: 'join', room });
      const answer = await c.receive();
      log(`${user} ${answer.op} ${room}`);
    }
    return c;
  };
  await using ann = await client('ann', ['lobby']);
  await using admin = await client('admin-bo', ['lobby', 'staff']);
  await using eve = await client('eve', ['staff']); // refused: not an admin

  const show = (m: ToClient): string => ('text' in m ? `${m.room} <${m.from}> ${m.text}` : m.op);
  admin.send({ op: 'say', room: 'staff', text: 'deploy at 5' });
  log(`admin-bo got: ${show(await admin.receive())}`); // staff <admin-bo> deploy at 5 (only admin-bo is in staff)
  ann.send({ op: 'say', room: 'lobby', text: 'hi all' });
  log(`admin-bo got: ${show(await admin.receive())}`); // lobby <ann> hi all
  log(`ann got: ${show(await ann.receive())}`); // lobby <ann> hi all
  log(`staff has ${server.rooms.members('staff').size}, lobby has ${server.rooms.members('lobby').size}`);
  void eve;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
