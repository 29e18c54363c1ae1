/**
 * The communicator (eventdispatcher's `communicator`): one object owns a process's servers,
 * clients, timers and signal handlers. `run()` returns when nothing is left, so the seed's QUIT
 * path is `comm.removeAll()`. While waiting it only holds timers and sockets: an idle process
 * uses no CPU.
 */
import { ConfigError, ErrorCode } from '../core/index.js';

/** Anything the communicator can own: servers, connections, permanent clients, datagram endpoints. */
export interface Closeable {
  close(): Promise<unknown>;
  /** Resolves when the thing closed by itself (a connection the peer closed): it is then removed. */
  readonly closed?: Promise<unknown>;
  readonly name?: string;
}

export type SignalName = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

export interface CommunicatorOptions {
  /**
   * Handle SIGINT and SIGTERM while `run()` runs by closing everything (`removeAll()`), so
   * `run()` returns and the process can exit cleanly. @default true
   */
  handleSignals?: boolean;
  /** SIGHUP while `run()` runs, e.g. to reopen log files. @default ignore SIGHUP */
  onHangup?: () => void;
}

/** A timer the communicator owns; `cancel()` removes it. */
export interface CommunicatorTimer {
  cancel(): void;
}

export class Communicator {
  private readonly owned = new Set<Closeable>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private wakeRun: (() => void) | undefined;
  private running = false;

  constructor(private readonly options: CommunicatorOptions = {}) {}

  /** Things owned now (timers not included). */
  get size(): number {
    return this.owned.size;
  }

  /** Takes ownership of `thing`; it is removed when it closes by itself. Returns it. */
  add<T extends Closeable>(thing: T): T {
    this.owned.add(thing);
    void thing.closed?.then(
      () => this.forget(thing),
      () => this.forget(thing),
    );
    return thing;
  }

  /** Closes `thing` and stops owning it. */
  async remove(thing: Closeable): Promise<void> {
    if (!this.owned.has(thing)) return;
    try {
      await thing.close();
    } finally {
      this.forget(thing);
    }
  }

  /** Closes everything (gracefully) and cancels every timer: `run()` then returns. */
  async removeAll(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.owned].map((t) => this.remove(t)));
    this.check();
  }

  /** Runs `fn` after `ms`, or every `ms` with `repeat`. The timer keeps `run()` going. */
  timer(ms: number, fn: () => void, options: { repeat?: boolean } = {}): CommunicatorTimer {
    if (!(ms >= 0)) throw new ConfigError(ErrorCode.INVALID_OPTION, `timer delay must be >= 0, got ${ms}`);
    let handle: ReturnType<typeof setTimeout>;
    const fire = (): void => {
      this.timers.delete(handle);
      if (options.repeat) {
        handle = setTimeout(fire, ms);
        this.timers.add(handle);
      }
      try {
        fn();
      } finally {
        this.check();
      }
    };
    handle = setTimeout(fire, ms);
    this.timers.add(handle);
    return {
      cancel: () => {
        clearTimeout(handle);
        this.timers.delete(handle);
        this.check();
      },
    };
  }

  /**
   * Waits until nothing is left: no owned servers, clients or connections, and no timers.
   * SIGINT/SIGTERM close everything (unless `handleSignals: false`); SIGHUP calls `onHangup`.
   */
  async run(): Promise<void> {
    if (this.running) throw new ConfigError(ErrorCode.INVALID_OPTION, 'run() is already running');
    this.running = true;
    const handlers: Array<[SignalName, () => void]> = [];
    if (this.options.handleSignals ?? true) {
      const stop = (): void => void this.removeAll();
      handlers.push(['SIGINT', stop], ['SIGTERM', stop]);
    }
    if (this.options.onHangup) handlers.push(['SIGHUP', this.options.onHangup]);
    for (const [sig, h] of handlers) process.on(sig, h);
    try {
      while (this.owned.size > 0 || this.timers.size > 0) {
        await new Promise<void>((resolve) => (this.wakeRun = resolve));
      }
    } finally {
      this.wakeRun = undefined;
      for (const [sig, h] of handlers) process.removeListener(sig, h);
      this.running = false;
    }
  }

  private forget(thing: Closeable): void {
    if (this.owned.delete(thing)) this.check();
  }

  private check(): void {
    if (this.owned.size === 0 && this.timers.size === 0) this.wakeRun?.();
  }
}
