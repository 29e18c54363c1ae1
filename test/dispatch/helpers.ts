/** Small helpers for dispatcher tests: a logger that records lines and a target that records sends. */
import { SendStatus } from '../../src/core/index.js';
import type { Message } from '../../src/core/message/index.js';
import type { DispatchLogger, DispatchTarget } from '../../src/dispatch/index.js';

export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface RecordingLogger extends DispatchLogger {
  readonly lines: Array<{ level: Level; line: string }>;
  at(level: Level): string[];
  text(): string;
}

/** A logger that keeps every line; pass `reopen` to give it a reopen() method. */
export function recordingLogger(options: { reopen?: () => void } = {}): RecordingLogger {
  const lines: Array<{ level: Level; line: string }> = [];
  const add = (level: Level) => (line: string) => void lines.push({ level, line });
  return {
    lines,
    debug: add('debug'),
    info: add('info'),
    warn: add('warn'),
    error: add('error'),
    ...(options.reopen ? { reopen: options.reopen } : {}),
    at: (level) => lines.filter((l) => l.level === level).map((l) => l.line),
    text: () => lines.map((l) => `${l.level}: ${l.line}`).join('\n'),
  };
}

/** A dispatch target that records what handlers send, as line-form strings and as messages. */
export function sink(from = 'test'): DispatchTarget & { sent: Message[]; lines(): string[] } {
  const sent: Message[] = [];
  return {
    from,
    sent,
    send: (m: Message) => {
      sent.push(m);
      return SendStatus.Sent;
    },
    lines: () => sent.map(String),
  };
}
