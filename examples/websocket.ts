// A WebSocket echo server and a client: text stays text, binary stays binary.
import { connect, listen } from 'switchboard';

type WsMessage = string | Uint8Array;

export async function main(log: (line: string) => void = console.log): Promise<void> {
  await using server = await listen<WsMessage, WsMessage>('ws://127.0.0.1:0/echo', {
    callbacks: { onReceive: (conn, msg) => conn.send(msg) },
  });
  {
    await using client = await connect<WsMessage, WsMessage>(server.url);
    client.send('hello'); // a text frame
    client.send(new Uint8Array([1, 2, 3])); // a binary frame
    log(`${await client.receive()}`); // hello
    const bytes = await client.receive();
    log(`binary: ${bytes instanceof Uint8Array ? Array.from(bytes).join(',') : 'no'}`); // binary: 1,2,3
    const rtt = await client.ping();
    log(`pong after ${rtt >= 0 ? 'a' : 'no'} round trip`); // pong after a round trip
  } // close handshake: code 1000
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
