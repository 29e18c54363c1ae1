/** `switchboard demo chat [--port N] [--host H] [--sessions]`: serves the chat page until SIGINT / SIGTERM. */
import { escapeControls } from '../escape.js';
import { Exit, type CliIo } from '../io.js';
import { startChatServer } from './server.js';

export async function chatCommand(flags: { port?: number; host?: string; sessions?: boolean }, io: CliIo): Promise<number> {
  if (flags.port !== undefined && flags.port > 65535) {
    io.stderr.write(`--port must be 0 to 65535, got ${flags.port}\n`);
    return Exit.usage;
  }
  if (io.signal.aborted) return Exit.ok;
  // Log lines quote what pages sent (names, refused input): escaped like all diagnostics.
  const server = await startChatServer({
    port: flags.port ?? 8080,
    host: flags.host ?? '127.0.0.1',
    sessions: flags.sessions ?? false,
    log: (line) => void io.stdout.write(escapeControls(line) + '\n'),
  });
  io.stdout.write(`open ${server.url} in two browser windows; Ctrl-C stops\n`);
  await new Promise<void>((resolve) => {
    if (io.signal.aborted) resolve();
    else io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.close();
  io.stdout.write('stopped\n');
  return Exit.ok;
}
