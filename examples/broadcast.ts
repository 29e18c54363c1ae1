// A LEADS-style server: callbacks, a connection count and a broadcast to every client.
import { connect, leads, listen } from 'switchboard';

export async function main(log: (line: string) => void = console.log): Promise<void> {
  await using server = await listen('tcp://127.0.0.1:0', {
    protocol: leads(), // ';'-separated byte messages; 'disconnect' closes politely both ways
    callbacks: { onConnect: (conn) => log(`connected: ${conn.name}`) },
  });
  const clients = await Promise.all([1, 2, 3].map(() => connect(server.url, { protocol: leads() })));
  while (server.connectionCount < 3) await new Promise((r) => setTimeout(r, 5));

  const result = server.broadcast('Hello world');
  log(`broadcast: ${result.sent} sent, ${result.dropped} dropped`); // broadcast: 3 sent, 0 dropped
  for (const c of clients) {
    const msg = await c.receive({ timeout: 1000 });
    log(new TextDecoder().decode(msg)); // Hello world
    await c.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
