// An echo server and a client that talk newline-delimited JSON over TCP.
import { connect, listen } from 'switchboard';

type Msg = { text: string };

export async function main(log: (line: string) => void = console.log): Promise<void> {
  await using server = await listen<Msg, Msg>('tcp://127.0.0.1:0', {
    callbacks: { onReceive: (conn, msg) => conn.send(msg) }, // echo every message back
  });
  await using conn = await connect<Msg, Msg>(server.url);
  const status = conn.send({ text: 'hello' }); // 'sent' | 'queued' | 'backpressured' | 'dropped' | 'closed'
  const reply = await conn.receive({ timeout: 1000 });
  log(`${status}: ${reply.text}`); // sent: hello
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
