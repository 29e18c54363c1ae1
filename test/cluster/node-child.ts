/**
 * A Switchboard cluster node in a child process of its own (for the faults that need one:
 * SIGSTOP, SIGKILL). Usage: node node-child.js NATS_URL NODE_NAME. Sends `{ url }` over IPC once
 * it listens; exits when the parent says `close` or goes away.
 */
import { chatServer } from './chat.js';

const [natsUrl, name] = process.argv.slice(2);
const chat = await chatServer(name!, { nats: natsUrl!, heartbeatInterval: 200 });
process.send!({ url: chat.server.url, name });
const stop = async (): Promise<void> => {
  await chat.close().catch(() => {});
  process.exit(0);
};
process.on('message', (m) => {
  if (m === 'close') void stop();
});
process.on('disconnect', () => void stop());
