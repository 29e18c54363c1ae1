// eventdispatcher named messages: a daemon with a dispatcher, and a client asking it things.
import { Dispatcher, connect, dispatcherOptions, listen, message, namedMessages } from 'switchboard';

export async function main(log: (line: string) => void = console.log): Promise<void> {
  const d = new Dispatcher();
  d.on('LOCK', (msg, ctx) => void ctx.reply('LOCKED', { key: msg.getString('key') }), {
    schema: { key: { type: 'string', required: true } },
  });
  await using server = await listen('tcp://127.0.0.1:0', dispatcherOptions(d));

  await using conn = await connect(server.url, { protocol: namedMessages() });
  conn.send(message('LOCK', { key: 'website' }));
  log(String(await conn.receive())); // LOCKED key=website
  conn.send(message('LOCK'));
  log(String(await conn.receive())); // INVALID command=LOCK;message=parameter "key" is required
  conn.send(message('FLY'));
  log(String(await conn.receive())); // UNKNOWN command=FLY
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
