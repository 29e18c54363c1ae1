// Turns bench results into the Markdown report and checks the targets (reported, never asserted).
import { fmtBytes, fmtNum } from './common.mjs';

const nameOf = (report, scenario, id) => (report.impls[scenario] ?? []).find(([i]) => i === id)?.[1] ?? id;
const baseOf = (report, scenario, id) => (report.impls[scenario] ?? []).find(([i]) => i === id)?.[2];

/** "<label> (k1 / k2 / ...): name: a / b / ...; ..." of one server metric (median of the runs; n/a where not measured). */
function serverLine(report, scenario, keys, label, metric, f) {
  return `${label} (${keys.join(' / ')}): ` +
    report.impls[scenario].map(([id, name]) => `${name}: ${keys.map((k) => { const v = med(report, scenario, k, id, metric); return v === undefined ? 'n/a' : f(v); }).join(' / ')}`).join('; ') + '.';
}
/** Server page faults per echoed message. */
const faultsLine = (report, scenario, keys) =>
  serverLine(report, scenario, keys, 'Server page faults per echoed message', 'serverFaultsPerMsg', (v) => (v >= 10 ? String(Math.round(v)) : v.toFixed(v >= 1 ? 1 : 3)));
/** Server major (mark-compact) collections per 1,000 messages. */
const majorGcLine = (report, scenario, keys) =>
  serverLine(report, scenario, keys, 'Server major collections per 1,000 messages', 'serverMajorGcsPerKMsg', (v) => v.toFixed(v >= 1 ? 1 : 2));

function entry(report, scenario, key, impl) {
  return report.results?.[scenario]?.[key]?.[impl];
}
function med(report, scenario, key, impl, metric) {
  return entry(report, scenario, key, impl)?.median?.[metric];
}
/** Half the range of the runs, relative to the median: "±3%" (empty for one run). */
function spread(report, scenario, key, impl, metric) {
  const e = entry(report, scenario, key, impl);
  const xs = (e?.runs ?? []).filter((r) => !r.error).map((r) => r[metric]).filter(Number.isFinite);
  if (xs.length < 2) return '';
  const m = e.median[metric];
  const s = ((Math.max(...xs) - Math.min(...xs)) / 2 / m) * 100;
  return ` ±${s < 10 ? s.toFixed(1) : Math.round(s)}%`;
}
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : undefined);
const x = (r) => (r === undefined ? 'n/a' : `${r.toFixed(2)}x`);
const us = (v) => (v === undefined ? 'n/a' : `${v < 100 ? v.toFixed(1) : Math.round(v)} µs`);
function failed(report, scenario, key, impl) {
  const e = entry(report, scenario, key, impl);
  if (!e) return 'not run';
  if (e.ok === 0) return `FAILED: ${e.runs[0]?.error?.slice(0, 80) ?? ''}`;
  return undefined;
}

// ------------------------------------------------------------------ targets

export function evaluateTargets(report) {
  const t = [];
  const add = (target, value, pass, measured) =>
    t.push({ target, value, status: value === undefined || value === null || Number.isNaN(value) ? 'n/a' : pass ? 'PASS' : 'SHORT', measured });
  const cfg = ran(report);

  if (cfg.pipelined) {
    for (const [impl, label] of [['sb-lines', 'TCP lines'], ['sb-length', 'TCP length prefix']]) {
      for (const W of cfg.pipelined.windows) {
        for (const size of cfg.pipelined.sizes) {
          const key = `W=${W} ${sizeOf(size)}`;
          const a = med(report, 'pipelined', key, impl, 'msgsPerSec');
          const b = med(report, 'pipelined', key, 'raw-cork', 'msgsPerSec');
          const r = ratio(a, b);
          add(`${label} >= 0.9x cork-batched raw net, ${key}`, r, r >= 0.9, `${x(r)} of ${nameOf(report, 'pipelined', 'raw-cork')}: ${fmtNum(a)} vs ${fmtNum(b)} msg/s`);
        }
      }
    }
  }
  if (cfg.pingpong) {
    const key = `W=1 ${sizeOf(cfg.pingpong.size)}`;
    for (const [impl, base] of [['sb-lines', 'raw-net'], ['sb-length', 'raw-net'], ['sb-unix', 'raw-unix']]) {
      for (const p of ['p50Us', 'p99Us']) {
        const a = med(report, 'pingpong', key, impl, p);
        const b = med(report, 'pingpong', key, base, p);
        const r = ratio(a, b);
        add(`ping-pong ${p.slice(0, 3)} of ${nameOf(report, 'pingpong', impl)} within 10% of ${nameOf(report, 'pingpong', base)}`, r, r <= 1.1, `${x(r)} of ${nameOf(report, 'pingpong', base)}: ${us(a)} vs ${us(b)}`);
      }
    }
  }
  if (cfg.pipelined) {
    const small = Math.min(...cfg.pipelined.sizes);
    const large = Math.max(...cfg.pipelined.sizes);
    for (const W of cfg.pipelined.windows) {
      const key = `W=${W} ${sizeOf(small)}`;
      const a = med(report, 'pipelined', key, 'sb-ws', 'msgsPerSec');
      const b = med(report, 'pipelined', key, 'ws', 'msgsPerSec');
      const r = ratio(a, b);
      add(`WebSocket >= 5x ws msg/s, ${key}`, r, r >= 5, `${x(r)} of ${nameOf(report, 'pipelined', 'ws')}: ${fmtNum(a)} vs ${fmtNum(b)} msg/s`);
    }
    for (const W of cfg.pipelined.windows) {
      const key = `W=${W} ${sizeOf(large)}`;
      const a = med(report, 'pipelined', key, 'sb-ws', 'msgsPerSec');
      const b = med(report, 'pipelined', key, 'ws', 'msgsPerSec');
      const r = ratio(a, b);
      add(`WebSocket >= ws with bufferutil, ${key}`, r, r >= 1, `${x(r)} of ${nameOf(report, 'pipelined', 'ws')}: ${fmtNum(a)} vs ${fmtNum(b)} msg/s`);
    }
  }
  if (cfg['client-rtt']) {
    // Issue 15 item 3: Switchboard's client within 10% of ws's client, against the same server.
    for (const key of Object.keys(report.results['client-rtt'] ?? {})) {
      const a = med(report, 'client-rtt', key, 'sb-ws-text', 'msgsPerSec');
      const b = med(report, 'client-rtt', key, 'ws-text', 'msgsPerSec');
      const r = ratio(a, b);
      add(`client round trips of ${nameOf(report, 'client-rtt', 'sb-ws-text')} >= 0.9x ws's client, ${key}`, r, r >= 0.9, `${x(r)} of ${nameOf(report, 'client-rtt', 'ws-text')}: ${fmtNum(a)} vs ${fmtNum(b)} rt/s`);
    }
  }
  if (cfg.pingpong && report.impls.pingpong.some(([i]) => i === 'uws')) {
    // Issue 15 item 3: the server's ping-pong p99 within 10% of uWebSockets.js (same client).
    const key = `W=1 ${sizeOf(cfg.pingpong.size)}`;
    const a = med(report, 'pingpong', key, 'sb-ws', 'p99Us');
    const b = med(report, 'pingpong', key, 'uws', 'p99Us');
    const r = ratio(a, b);
    add(`ping-pong p99 of ${nameOf(report, 'pingpong', 'sb-ws')} within 10% of ${nameOf(report, 'pingpong', 'uws')}`, r, r <= 1.1, `${x(r)}: ${us(a)} vs ${us(b)}`);
  }
  if (cfg.sessions) {
    // Issue 10: a session costs at most 15% of the messages/s at 64 B and 5% at 16 KiB.
    const small = Math.min(...cfg.sessions.sizes);
    for (const size of cfg.sessions.sizes) {
      const key = `W=${cfg.sessions.window} ${sizeOf(size)}`;
      const floor = size === small ? 0.85 : 0.95;
      for (const [impl, base] of [['sb-length-session', 'sb-length'], ['sb-ws-session', 'sb-ws']]) {
        const a = med(report, 'sessions', key, impl, 'msgsPerSec');
        const b = med(report, 'sessions', key, base, 'msgsPerSec');
        const r = ratio(a, b);
        add(`${nameOf(report, 'sessions', impl)} >= ${floor}x the same without a session, ${key}`, r, r >= floor, `${x(r)} of ${nameOf(report, 'sessions', base)}: ${fmtNum(a)} vs ${fmtNum(b)} msg/s`);
      }
    }
  }
  if (cfg.connections) {
    const key = `${cfg.connections.n} connections`;
    // WebSocket against ws only: Switchboard TCP is compared with raw net in the table (a TCP
    // connection measured against a WebSocket one flattered it: 0.75x of ws was 1.96x of raw net).
    for (const impl of ['sb-ws']) {
      for (const [metric, what] of [['heapPerConn', 'heap'], ['rssPerConn', 'RSS']]) {
        const a = med(report, 'connections', key, impl, metric);
        const b = med(report, 'connections', key, 'ws', metric);
        add(`memory per idle connection (${what}) of ${nameOf(report, 'connections', impl)} <= ws`, a, a <= b, `${fmtBytes(a)} vs ${fmtBytes(b)} (${x(ratio(a, b))} of ${nameOf(report, 'connections', 'ws')})`);
      }
    }
    for (const impl of ['sb-lines', 'sb-ws']) {
      const runs = (entry(report, 'connections', key, impl)?.runs ?? []).filter((r) => !r.error);
      const held = runs.length ? Math.min(...runs.map((r) => r.count)) : undefined;
      const target = cfg.connections.n;
      add(`${fmtNum(target)} connections held by ${nameOf(report, 'connections', impl)}`, held, held >= target, held === undefined ? 'n/a' : `${held} of ${target} in every run`);
    }
  }
  if (cfg.idle) {
    const key = `${cfg.idle.n} idle connections, ${cfg.idle.idleMs / 1000} s`;
    for (const impl of ['sb-lines', 'sb-ws']) {
      const a = med(report, 'idle', key, impl, 'cpuPercent');
      const ms = med(report, 'idle', key, impl, 'cpuMs');
      add(`idle CPU close to zero (<= 1% of a core) for ${nameOf(report, 'idle', impl)}`, a, a <= 1, a === undefined ? 'n/a' : `${a.toFixed(2)}% (${ms.toFixed(0)} ms CPU in ${cfg.idle.idleMs / 1000} s)`);
    }
  }
  if (cfg.diagnostics) {
    const key = `W=${cfg.diagnostics.window} ${sizeOf(cfg.diagnostics.size)}`;
    const b = med(report, 'diagnostics', key, 'sb-lines-nodiag', 'msgsPerSec');
    for (const [impl, min, what] of [['sb-lines', 0.98, 'nobody subscribed: <= 2% cost'], ['sb-lines-noop', 0.9, 'a no-op subscriber on every channel: <= 10% cost']]) {
      const a = med(report, 'diagnostics', key, impl, 'msgsPerSec');
      const r = ratio(a, b);
      add(`diagnostics channels, ${what}, ${key}`, r, r >= min, `${x(r)} of ${nameOf(report, 'diagnostics', 'sb-lines-nodiag')}: ${fmtNum(a)} vs ${fmtNum(b)} msg/s`);
    }
  }
  if (cfg.broadcast) {
    const key = `${cfg.broadcast.clients} clients`;
    for (const impl of ['sb-lines', 'sb-ws']) {
      const a = med(report, 'broadcast', key, impl, 'deliveriesPerSec');
      add(`broadcast >= 1 M deliveries/s, ${nameOf(report, 'broadcast', impl)}`, a, a >= 1e6, `${fmtNum(a)} deliveries/s`);
    }
  }
  return t;
}

function sizeOf(n) {
  if (n >= 1048576 && n % 1048576 === 0) return `${n / 1048576} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} B`;
}

// ------------------------------------------------------------------ Markdown

/**
 * "Switchboard WebSocket / ws, corked per batch: ..." for every column: how much of the ratio to
 * idiomatic ws is batching (which ws can do by hand) and how much is the rest. Undefined when the
 * corked row did not run.
 */
function corkedLine(report, scenario, keys, metric, divisor = 'ws-cork') {
  const cells = keys
    .map((k) => {
      const r = ratio(med(report, scenario, k, 'sb-ws', metric), med(report, scenario, k, divisor, metric));
      return r === undefined ? undefined : `${x(r)}${keys.length > 1 ? ` at ${k}` : ''}`;
    })
    .filter(Boolean);
  if (cells.length === 0) return undefined;
  return `${nameOf(report, scenario, 'sb-ws')} divided by ${nameOf(report, scenario, divisor)}: ${cells.join(', ')}.`;
}

/**
 * The same against the uWebSockets.js server, one line: for each case, each metric given as
 * [metric, label] ("1.30x rt/s, 0.95x p99 at W=100 64 B").
 */
function uwsLines(report, scenario, keys, metrics) {
  const cells = keys
    .map((k) => {
      const parts = metrics
        .map(([metric, label]) => {
          const r = ratio(med(report, scenario, k, 'sb-ws', metric), med(report, scenario, k, 'uws', metric));
          return r === undefined ? undefined : `${x(r)}${label ? ` ${label}` : ''}`;
        })
        .filter(Boolean);
      return parts.length ? `${parts.join(', ')}${keys.length > 1 ? ` at ${k}` : ''}` : undefined;
    })
    .filter(Boolean);
  if (cells.length === 0) return [];
  return [`${nameOf(report, scenario, 'sb-ws')} divided by ${nameOf(report, scenario, 'uws')}: ${cells.join('; ')}.`];
}

/** "12.3 µs" of server CPU per message, or n/a. */
const cpu = (v) => (v === undefined ? 'n/a' : `${v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : Math.round(v)} µs`);

/** The config of the scenarios that ran (`--only` skips some). */
function ran(report) {
  return Object.fromEntries(Object.entries(report.config).filter(([k]) => report.results?.[k] !== undefined));
}

/**
 * A table with one row per implementation of `scenario` and one column per case key: `show`
 * formats the median of `metric` (and may add its spread), followed by its ratio to the row's
 * baseline in brackets; a failed or skipped cell says so.
 */
function ratioTable(report, scenario, keys, metric, show) {
  const out = [`| implementation | ${keys.join(' | ')} | baseline (the divisor) |`, `|---|${keys.map(() => '--:').join('|')}|---|`];
  for (const [id, name, base] of report.impls[scenario]) {
    const cells = keys.map((k) => {
      const f = failed(report, scenario, k, id);
      if (f) return f.startsWith('FAILED') ? 'FAILED' : f;
      const a = med(report, scenario, k, id, metric);
      const r = base ? ` (${x(ratio(a, med(report, scenario, k, base, metric)))})` : '';
      return `${show(a, k, id)}${r}`;
    });
    out.push(`| ${name} | ${cells.join(' | ')} | ${base ? nameOf(report, scenario, base) : '(baseline)'} |`);
  }
  return out;
}

export function renderMarkdown(report) {
  const L = [];
  const m = report.machine;
  const cfg = ran(report);
  const runs = Object.values(cfg)
    .map((c) => c.runs)
    .filter(Boolean);
  const runText = Math.min(...runs) === Math.max(...runs) ? `${runs[0]}` : `${Math.min(...runs)}-${Math.max(...runs)}`;
  L.push(
    `${report.mode === 'quick' ? '**Quick smoke run (`--quick`): tiny counts, one run each; the numbers only show that every scenario works.** ' : ''}` +
      `Measured ${report.startedAt.slice(0, 16).replace('T', ' ')} UTC on ${m.cpus} x ${m.cpuModel}, ${m.totalMemGiB} GiB, ${m.platform}, Node ${m.node}; ` +
      `load average ${m.loadavgAtStart.join(' / ')} at the start and ${m.loadavgAtEnd.join(' / ')} at the end (every result in latest.json carries its own). ` +
      `Each server and each client is its own process; implementations alternate within each round; ${runText} runs each, medians shown ` +
      `(± is half the range of the runs), ratios divide the medians by the baseline named in the row. The whole run took ${Math.round(report.durationS / 60)} min.`,
  );
  const nz = report.noise;
  if (nz) {
    L.push(
      '',
      `Before each run the harness waited (up to ${nz.maxWaitS ?? 15} s) for the rest of the machine to be at most ${nz.threshold}% busy: ` +
        `the median was ${nz.medianBusyPct?.toFixed(0) ?? 'n/a'}% busy, ${nz.busyRuns} of ${nz.runs} runs started on a busier machine, and the waiting took ${nz.waitedS} s.`,
    );
  }
  for (const sk of report.skipped ?? []) L.push('', `**Rows skipped:** ${sk.impl === 'uws' ? 'the uWebSockets.js baseline' : sk.impl}: ${sk.reason}.`);
  if (report.uws) L.push('', `The uWebSockets.js rows run ${report.uws} (its native binary, loaded directly; never its JavaScript fallback), measured with Switchboard's client.`);
  L.push('');

  if (cfg.pingpong) {
    const key = `W=1 ${sizeOf(cfg.pingpong.size)}`;
    L.push(`### Ping-pong (one ${sizeOf(cfg.pingpong.size)} message in flight, echoed)`);
    L.push('');
    L.push('| implementation | round trips/s | p50 | p99 | ratio to the baseline: rt/s, p50, p99 | server CPU per message | baseline (the divisor) |');
    L.push('|---|--:|--:|--:|--:|--:|---|');
    for (const [id, name, base] of report.impls.pingpong) {
      const f = failed(report, 'pingpong', key, id);
      if (f) {
        L.push(`| ${name} | ${f} | | | | | |`);
        continue;
      }
      const g = (k, i = id) => med(report, 'pingpong', key, i, k);
      const rs = base ? `${x(ratio(g('msgsPerSec'), g('msgsPerSec', base)))}, ${x(ratio(g('p50Us'), g('p50Us', base)))}, ${x(ratio(g('p99Us'), g('p99Us', base)))}` : '';
      L.push(`| ${name} | ${fmtNum(g('msgsPerSec'))}${spread(report, 'pingpong', key, id, 'msgsPerSec')} | ${us(g('p50Us'))} | ${us(g('p99Us'))} | ${rs} | ${cpu(g('serverCpuUsPerMsg'))}${base ? ` (${x(ratio(g('serverCpuUsPerMsg'), g('serverCpuUsPerMsg', base)))})` : ''} | ${base ? nameOf(report, 'pingpong', base) : '(baseline)'} |`);
    }
    const u = uwsLines(report, 'pingpong', [key], [['msgsPerSec', 'rt/s'], ['p50Us', 'p50'], ['p99Us', 'p99'], ['serverCpuUsPerMsg', 'server CPU per message']]);
    if (u.length) L.push('', u.join(' '));
    L.push('');
  }

  if (cfg['client-rtt']) {
    const c = cfg['client-rtt'];
    L.push(`### Client round trips (one ${sizeOf(c.size)} text message in flight; the same server for every row of a case, the clients differ)`);
    L.push('');
    L.push(`| server | client | round trips/s | p50 | p99 | ratio to the baseline: rt/s, p50, p99 | client CPU per round trip (ratio) | first ${fmtNum(c.coldCount)} round trips: time, client CPU (ratio) | server CPU per message | baseline (the divisor) |`);
    L.push('|---|---|--:|--:|--:|--:|--:|--:|--:|---|');
    for (const key of Object.keys(report.results['client-rtt'] ?? {})) {
      for (const [id, name, base] of report.impls['client-rtt']) {
        const f = failed(report, 'client-rtt', key, id);
        if (f) {
          L.push(`| ${key} | ${name} | ${f} | | | | | | | |`);
          continue;
        }
        const g = (k, i = id) => med(report, 'client-rtt', key, i, k);
        const rs = base ? `${x(ratio(g('msgsPerSec'), g('msgsPerSec', base)))}, ${x(ratio(g('p50Us'), g('p50Us', base)))}, ${x(ratio(g('p99Us'), g('p99Us', base)))}` : '';
        const rb = (k) => (base ? ` (${x(ratio(g(k), g(k, base)))})` : '');
        const cold = g('coldMs') === undefined ? 'n/a' : `${g('coldMs').toFixed(0)} ms${spread(report, 'client-rtt', key, id, 'coldMs')}${rb('coldMs')}, ${g('coldClientCpuMs').toFixed(0)} ms${rb('coldClientCpuMs')}`;
        L.push(`| ${key} | ${name} | ${fmtNum(g('msgsPerSec'))}${spread(report, 'client-rtt', key, id, 'msgsPerSec')} | ${us(g('p50Us'))} | ${us(g('p99Us'))} | ${rs} | ${cpu(g('clientCpuUsPerMsg'))}${rb('clientCpuUsPerMsg')} | ${cold} | ${cpu(g('serverCpuUsPerMsg'))} | ${base ? nameOf(report, 'client-rtt', base) : '(baseline)'} |`);
      }
    }
    L.push('', `Round trips/s and percentiles are measured after a warm-up; "first ${fmtNum(c.coldCount)}" times the round trips on the fresh connection of a fresh client process from the first send, as Autobahn's 9.7.x cases do (cold code, JIT still compiling). Client CPU is the client process's user + system time: on a busy machine it is steadier than the rates.`);
    L.push('');
  }

  if (cfg.latency) {
    const keys = cfg.latency.sizes.map((n) => `W=1 ${sizeOf(n)}`);
    L.push("### Latency by message size (one message in flight, echoed; p50 / p99 round trip, in brackets p50 as a ratio to the row's baseline)");
    L.push('');
    L.push(`| implementation | ${cfg.latency.sizes.map(sizeOf).join(' | ')} | baseline (the divisor) |`);
    L.push(`|---|${keys.map(() => '--:').join('|')}|---|`);
    for (const [id, name, base] of report.impls.latency) {
      const cells = keys.map((k) => {
        const f = failed(report, 'latency', k, id);
        if (f) return f.startsWith('FAILED') ? 'FAILED' : f;
        const a = med(report, 'latency', k, id, 'p50Us');
        const r = base ? ` (${x(ratio(a, med(report, 'latency', k, base, 'p50Us')))})` : '';
        return `${us(a)} / ${us(med(report, 'latency', k, id, 'p99Us'))}${r}`;
      });
      L.push(`| ${name} | ${cells.join(' | ')} | ${base ? nameOf(report, 'latency', base) : '(baseline)'} |`);
    }
    for (const l of uwsLines(report, 'latency', keys, [['p50Us', 'p50'], ['p99Us', 'p99']])) L.push('', l);
    L.push('', 'Server CPU per echoed message (µs, over the measurement window): ' +
      report.impls.latency.map(([id, name]) => `${name}: ${keys.map((k) => { const v = med(report, 'latency', k, id, 'serverCpuUsPerMsg'); return v === undefined ? 'n/a' : Math.round(v); }).join(' / ')}`).join('; ') + '.');
    L.push('', faultsLine(report, 'latency', keys) +
      ' From 64 KiB up, a server that faults in about a page per 4 KiB it handles pays for fresh memory on every message: glibc gave the heap back between collections (its trim threshold moves with the sizes the process has freed, so this differs from run to run for every implementation; docs/connections.md, "Deep windows and the C allocator").');
    L.push('');
  }

  if (cfg.burst) {
    const key = `${cfg.burst.count} x ${sizeOf(cfg.burst.size)}`;
    L.push(`### Burst echo (${cfg.burst.count} messages of ${sizeOf(cfg.burst.size)} sent at once; every one must come back)`);
    L.push('');
    L.push('| implementation | received | time until the last | messages/s | server peak RSS | server CPU per message | baseline (the divisor) |');
    L.push('|---|--:|--:|--:|--:|--:|---|');
    for (const [id, name, base] of report.impls.burst) {
      const f = failed(report, 'burst', key, id);
      if (f) {
        L.push(`| ${name} | ${f} | | | | | |`);
        continue;
      }
      const g = (k, i = id) => med(report, 'burst', key, i, k);
      L.push(`| ${name} | ${fmtNum(g('received'))} of ${fmtNum(g('expected'))} | ${Math.round(g('elapsedMs'))} ms${spread(report, 'burst', key, id, 'elapsedMs')} | ${fmtNum(g('msgsPerSec'))}${base ? ` (${x(ratio(g('msgsPerSec'), g('msgsPerSec', base)))})` : ''} | ${fmtBytes(g('serverMaxRss'))} | ${g('serverCpuUsPerMsg') === undefined ? 'n/a' : `${g('serverCpuUsPerMsg').toFixed(1)} µs`} | ${base ? nameOf(report, 'burst', base) : '(baseline)'} |`);
    }
    L.push('');
  }

  if (cfg.pipelined) {
    const keys = [];
    for (const W of cfg.pipelined.windows) for (const s of cfg.pipelined.sizes) keys.push(`W=${W} ${sizeOf(s)}`);
    L.push("### Pipelined echo throughput (messages/s with W messages in flight; in brackets, the ratio to the row's baseline)");
    L.push('');
    if (cfg.pipelined.maxInFlight) L.push(`(Smoke run: at most ${fmtBytes(cfg.pipelined.maxInFlight)} in flight, so W is smaller than shown for large messages.)`, '');
    L.push(...ratioTable(report, 'pipelined', keys, 'msgsPerSec', (a, k, id) => `${fmtNum(a)}${spread(report, 'pipelined', k, id, 'msgsPerSec')}`));
    const big = Math.max(...cfg.pipelined.sizes);
    const mib = cfg.pipelined.windows
      .map((W) => {
        const v = med(report, 'pipelined', `W=${W} ${sizeOf(big)}`, 'raw-cork', 'bytesPerSec');
        return v ? `${(v / 2 ** 20).toFixed(0)} MiB/s each way at W=${W}` : undefined;
      })
      .filter(Boolean);
    if (mib.length) L.push('', `With ${sizeOf(big)} messages the cork-batched baseline moves ${mib.join(', ')}.`);
    const vsCork = corkedLine(report, 'pipelined', keys, 'msgsPerSec');
    if (vsCork) L.push('', vsCork);
    for (const l of uwsLines(report, 'pipelined', keys, [['msgsPerSec', 'msg/s']])) L.push('', l);
    L.push('');
    L.push("#### Server CPU time per echoed message (µs, the server process's user + system time over the measurement window; in brackets, the ratio to the row's baseline: below 1 is less CPU)");
    L.push('');
    L.push(...ratioTable(report, 'pipelined', keys, 'serverCpuUsPerMsg', (a) => cpu(a)));
    for (const l of uwsLines(report, 'pipelined', keys, [['serverCpuUsPerMsg', 'server CPU per message']])) L.push('', l);
    L.push('', 'Throughput at equal CPU is the fair comparison where the client saturates first: a server that needs less CPU per message has room the client did not use.');
    L.push('', faultsLine(report, 'pipelined', keys));
    L.push('', majorGcLine(report, 'pipelined', keys));
    L.push('');
  }

  if (cfg.sessions) {
    const keys = cfg.sessions.sizes.map((s) => `W=${cfg.sessions.window} ${sizeOf(s)}`);
    L.push("### Sessions (the pipelined echo inside a session and without one, same run; in brackets, the ratio to the row's baseline)");
    L.push('');
    L.push(...ratioTable(report, 'sessions', keys, 'msgsPerSec', (a, k, id) => `${fmtNum(a)}${spread(report, 'sessions', k, id, 'msgsPerSec')}`));
    L.push('', 'Server CPU per message: ' + report.impls.sessions.map(([id, name]) => `${name}: ${keys.map((k) => cpu(med(report, 'sessions', k, id, 'serverCpuUsPerMsg'))).join(' / ')}`).join('; ') + ` (${keys.join(' / ')}).`);
    L.push('', majorGcLine(report, 'sessions', keys));
    L.push('', 'Both sides of a session number, retain and acknowledge every message (acknowledgements batched: every 32 messages or 20 ms).' +
      (cfg.sessions.ballastMB > 0 ? ` Every process of this scenario, with a session or without, holds ${cfg.sessions.ballastMB} MiB of live heap besides the server, as an application would, so that V8's small-heap collection thresholds treat both rows alike (bench/README.md, "Heap size and major collections").` : ' No process held extra heap: a row whose old generation is just over 8 MiB can pay for major collections the other row does not (bench/README.md, "Heap size and major collections").'));
    L.push('');
  }

  if (cfg.diagnostics) {
    const key = `W=${cfg.diagnostics.window} ${sizeOf(cfg.diagnostics.size)}`;
    L.push(`### Diagnostics channels: their cost (pipelined echo, ${key}, messages/s; in brackets, the ratio to the build without publish calls)`);
    L.push('');
    L.push('| implementation | msg/s | baseline (the divisor) |');
    L.push('|---|--:|---|');
    for (const [id, name, base] of report.impls.diagnostics ?? []) {
      const f = failed(report, 'diagnostics', key, id);
      const a = med(report, 'diagnostics', key, id, 'msgsPerSec');
      const r = base ? ` (${x(ratio(a, med(report, 'diagnostics', key, base, 'msgsPerSec')))})` : '';
      L.push(`| ${name} | ${f ? (f.startsWith('FAILED') ? 'FAILED' : f) : `${fmtNum(a)}${spread(report, 'diagnostics', key, id, 'msgsPerSec')}${r}`} | ${base ? nameOf(report, 'diagnostics', base) : '(baseline)'} |`);
    }
    L.push('');
  }

  if (cfg.broadcast) {
    const key = `${cfg.broadcast.clients} clients`;
    const c = cfg.broadcast;
    L.push(`### Broadcast (one server, ${c.clients} clients, ${sizeOf(c.size)} messages in bursts of ${c.burst} per event-loop turn)`);
    L.push('');
    L.push('| implementation | deliveries/s | ratio to the baseline | server CPU per delivery | baseline (the divisor) |');
    L.push('|---|--:|--:|--:|---|');
    for (const [id, name, base] of report.impls.broadcast) {
      const f = failed(report, 'broadcast', key, id);
      if (f) {
        L.push(`| ${name} | ${f} | | | |`);
        continue;
      }
      const a = med(report, 'broadcast', key, id, 'deliveriesPerSec');
      const cpu = med(report, 'broadcast', key, id, 'serverCpuUsPerDelivery');
      const cpuCell = cpu === undefined ? 'n/a' : `${cpu.toFixed(3)} µs${base ? ` (${x(ratio(cpu, med(report, 'broadcast', key, base, 'serverCpuUsPerDelivery')))})` : ''}`;
      L.push(`| ${name} | ${fmtNum(a)}${spread(report, 'broadcast', key, id, 'deliveriesPerSec')} | ${base ? x(ratio(a, med(report, 'broadcast', key, base, 'deliveriesPerSec'))) : ''} | ${cpuCell} | ${base ? nameOf(report, 'broadcast', base) : '(baseline)'} |`);
    }
    const vsCork = corkedLine(report, 'broadcast', [key], 'deliveriesPerSec');
    if (vsCork) L.push('', vsCork);
    for (const l of uwsLines(report, 'broadcast', [key], [['deliveriesPerSec', '']])) L.push('', l);
    L.push('');
  }

  if (cfg.connections) {
    const key = `${cfg.connections.n} connections`;
    L.push(`### Connections (${fmtNum(cfg.connections.n)} concurrent idle connections; server memory after GC, per connection)`);
    L.push('');
    const fd = report.machine.fdLimit;
    const procs = med(report, 'connections', key, 'raw-net', 'clientProcs') ?? cfg.connections.clientProcs;
    L.push(
      `The machine caps a process at ${fd ? `${fmtNum(fd.soft)} open files (ulimit -n; hard limit ${Number.isFinite(fd.hard) ? fmtNum(fd.hard) : 'unlimited'})` : 'an unknown number of open files'}: ` +
        `the server holds every connection in one process (its limit raised to the hard limit when needed), opened by ${procs} client process${procs === 1 ? '' : 'es'}.` +
        (cfg.connections.limitedBy ? ` Fewer than asked: ${cfg.connections.limitedBy}.` : ''),
      '',
    );
    L.push('| implementation | held | time to accept all | accepts/s | heap/conn | RSS/conn | ratio to the baseline: heap, RSS | after one echo: heap, external, RSS per conn | first message: p50, p99, all | baseline (the divisor) |');
    L.push('|---|--:|--:|--:|--:|--:|--:|--:|--:|---|');
    for (const [id, name, base] of report.impls.connections) {
      const f = failed(report, 'connections', key, id);
      if (f) {
        L.push(`| ${name} | ${f} | | | | | | | | |`);
        continue;
      }
      const g = (k, i = id) => med(report, 'connections', key, i, k);
      const ms = (v) => (v === undefined ? 'n/a' : `${v < 10 ? v.toFixed(2) : Math.round(v)} ms`);
      const rs = base ? `${x(ratio(g('heapPerConn'), g('heapPerConn', base)))}, ${x(ratio(g('rssPerConn'), g('rssPerConn', base)))}` : '';
      L.push(
        `| ${name} | ${fmtNum(g('count'))} | ${g('acceptMs') === undefined ? 'n/a' : `${Math.round(g('acceptMs'))} ms`}${spread(report, 'connections', key, id, 'acceptMs')} | ${fmtNum(g('acceptsPerSec'))} | ${fmtBytes(g('heapPerConn'))} | ${fmtBytes(g('rssPerConn'))} | ${rs} | ${fmtBytes(g('heapPerConnAfterEcho'))}, ${fmtBytes(g('externalPerConnAfterEcho'))}, ${fmtBytes(g('rssPerConnAfterEcho'))} | ${ms(g('firstMsgP50Ms'))}, ${ms(g('firstMsgP99Ms'))}, ${ms(g('firstMsgAllMs'))} | ${base ? nameOf(report, 'connections', base) : '(baseline)'} |`,
      );
    }
    L.push(
      '',
      `Connections are opened in batches of ${cfg.connections.batch}, each waited for until the server holds it (so the listen backlog never overflows). ` +
        '"After one echo": every connection then sends one 16-byte message and gets it back, and memory is measured again ' +
          '(external: ArrayBuffers outside the V8 heap, such as write buffers kept for reuse; only their touched pages count in RSS). ' +
          '"First message": from the moment every connection has written its message (all at once) until its echo arrives, per connection: median, 99th percentile, and the last.',
    );
    L.push('');
  }

  if (cfg.idle) {
    const key = `${cfg.idle.n} idle connections, ${cfg.idle.idleMs / 1000} s`;
    L.push(`### Idle (${fmtNum(cfg.idle.n)} idle connections plus a client retrying an absent server, server CPU over ${cfg.idle.idleMs / 1000} s, after a forced GC and ${cfg.idle.settleMs / 1000} s of settling, with V8's memory reducer off; the retrying client started with the server)`);
    L.push('');
    L.push('| implementation | CPU (user + system) | % of one core | of which GC pauses | retry attempts in the window |');
    L.push('|---|--:|--:|--:|--:|');
    for (const [id, name] of report.impls.idle) {
      const f = failed(report, 'idle', key, id);
      if (f) {
        L.push(`| ${name} | ${f} | | | |`);
        continue;
      }
      const g = (k) => med(report, 'idle', key, id, k);
      L.push(`| ${name} | ${g('cpuMs').toFixed(1)} ms | ${g('cpuPercent').toFixed(3)}% | ${g('gcMs') === undefined ? 'n/a' : `${g('gcMs').toFixed(1)} ms`} | ${g('retryAttempts')} |`);
    }
    L.push('');
  }

  if (report.targets?.length) {
    L.push('### Targets (reported, not asserted)');
    L.push('');
    L.push('| target | measured | |');
    L.push('|---|---|---|');
    for (const t of report.targets) L.push(`| ${t.target} | ${t.measured} | ${t.status} |`);
    const pass = report.targets.filter((t) => t.status === 'PASS').length;
    L.push('', `${pass} of ${report.targets.length} targets pass.`);
    L.push('');
  }

  if (report.errors?.length) {
    L.push('### Problems');
    L.push('');
    for (const e of report.errors) L.push(`- ${e.scenario} ${e.key ?? ''} ${e.impl} run ${(e.run ?? 0) + 1}: ${String(e.error).split('\n')[0].slice(0, 300)}`);
    if (report.errors.some((e) => e.impl === 'uws')) {
      L.push('', "uWebSockets.js problems are the baseline's own (they do not fail the run): the build benchmarked corrupts its stream when it echoes 16 KiB messages under backpressure (`ws`'s client reads the same invalid frame at the same message as Switchboard's).");
    }
    L.push('');
  }
  return L.join('\n');
}
