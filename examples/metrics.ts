// What a server has done, without wiring counters: metrics() snapshots, the Prometheus text,
// and a diagnostics channel subscriber (free when nobody subscribes).
import diagnostics_channel from 'node:diagnostics_channel';
import { ChannelName, connect, linesJson, listen } from 'switchboard';
import { prometheusText } from 'switchboard/prometheus';

export async function main(log: (line: string) => void = console.log): Promise<void> {
  const opened: string[] = [];
  const onOpen = (e: unknown): void => void opened.push((e as { connection: { name: string } }).connection.name);
  diagnostics_channel.subscribe(ChannelName.connectionOpen, onOpen);
  try {
    await using server = await listen<unknown, unknown>('tcp://127.0.0.1:0', {
      protocol: linesJson(),
      callbacks: { onReceive: (conn, msg) => void conn.send(msg) },
    });
    await using client = await connect<unknown, unknown>(server.url, { protocol: linesJson() });
    for (let i = 0; i < 10; i++) client.send({ i });
    for (let i = 0; i < 10; i++) await client.receive();

    const m = server.metrics();
    log(`open ${m.connections.open}, received ${m.messages.received}, sent ${m.messages.sent}`); // open 1, received 10, sent 10
    const text = prometheusText(server);
    log(text.split('\n').find((l) => l.startsWith('switchboard_messages_received_total'))!); // switchboard_messages_received_total 10
    log(`connection:open events: ${opened.length}`); // 2: the client's and the server's side
  } finally {
    diagnostics_channel.unsubscribe(ChannelName.connectionOpen, onOpen);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
