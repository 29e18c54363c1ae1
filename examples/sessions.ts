// A session survives a dropped connection: nothing lost, nothing twice, in order; a request is
// answered on it too.
import { listen, pauseSchedule, permanentClient } from 'switchboard';

type Msg = { n: number } | { q: string };

export async function main(log: (line: string) => void = console.log): Promise<void> {
  const got: number[] = [];
  await using server = await listen<Msg, Msg>('tcp://127.0.0.1:0', {
    session: {
      onMessage: (_session, msg) => void ('n' in msg && got.push(msg.n)),
      onRequest: (_session, msg) => ('q' in msg ? { q: msg.q.toUpperCase() } : msg),
    },
  });
  let resumes = 0;
  await using client = permanentClient<Msg, Msg>(server.url, {
    backoff: pauseSchedule([10]),
    session: { onOpen: (_session, info) => void (info.resumed && resumes++) },
  });
  for (let n = 1; n <= 3; n++) client.send({ n });
  await client.acked(); // the server's application took 1, 2, 3
  client.session.connection?.destroy(); // the link breaks...
  for (let n = 4; n <= 6; n++) client.send({ n }); // ...sends go on ('queued' while away)
  const answer = await client.request({ q: 'hello' }, { timeout: 5000 });
  await client.acked();
  log(`got ${got.join(',')}`); // got 1,2,3,4,5,6
  log(`answer ${'q' in answer ? answer.q : '?'}, resumed ${resumes}`); // answer HELLO, resumed 1
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
