/**
 * Seed 001 (eventdispatcher): a client that starts before its daemon and connects when it
 * appears (a permanent client), the HI / DAD / CLIMB / TOP / WHO / MOM / BYE conversation in named
 * messages with a dispatcher on each side and trace logging, a LOG_ROTATE signal over UDP, and
 * `switchboard signal --message QUIT` ending the daemon: its communicator has nothing left and
 * `run()` returns.
 */
import { message, namedMessageDatagrams, pauseSchedule } from '../../core/index.js';
import { Dispatcher, dispatcherOptions } from '../../dispatch/index.js';
import { bindDatagram, Communicator, listen, permanentClient } from '../../endpoint/index.js';
import { signalCommand } from '../signal.js';
import { until } from './scenario.js';
/** A port that was free a moment ago, so the client can be told the daemon's address before it exists. */
async function freePort() {
    const probe = await listen('tcp://127.0.0.1:0');
    const port = probe.address.port;
    await probe.close();
    return port;
}
export const eventdispatcher = {
    name: 'eventdispatcher',
    title: 'eventdispatcher (seed 001): permanent client, named messages, dispatcher, UDP LOG_ROTATE, signal QUIT',
    async run(out) {
        const trace = (who) => ({ debug: () => { }, info: (l) => out(`${who} trace: ${l}`), warn: out, error: out });
        const port = await freePort();
        const url = `tcp://127.0.0.1:${port}`;
        // --- the client, started first: its permanent connection retries until the daemon appears
        const client = new Communicator({ handleSignals: false });
        let rotations = 0;
        const clientDispatcher = new Dispatcher({ trace: trace('client'), logger: trace('client'), onLogRotate: () => void rotations++ });
        clientDispatcher.on('HI', (_m, ctx) => void ctx.reply('DAD'));
        clientDispatcher.on('CLIMB', (_m, ctx) => void ctx.reply('TOP'));
        clientDispatcher.on('WHO', (_m, ctx) => void ctx.reply('MOM', { name: 'Mom' }));
        clientDispatcher.on('BYE', () => {
            out('client: got BYE, quitting');
            void client.removeAll();
        });
        const logRotate = client.add(await bindDatagram('udp://127.0.0.1:0', {
            protocol: namedMessageDatagrams(),
            secretCode: 'demo-secret',
            callbacks: { onReceive: (_ep, msg) => void clientDispatcher.dispatch(msg) },
        }));
        const connection = client.add(permanentClient(url, {
            ...dispatcherOptions(clientDispatcher),
            name: 'client',
            backoff: pauseSchedule([50]),
            onStatus: (s) => {
                if (s.type === 'retry')
                    out(`client: no daemon yet, next attempt in ${s.delayMs} ms`);
                if (s.type === 'connected')
                    out(`client: connected as ${s.conn.name}`);
            },
        }));
        const clientDone = client.run();
        await until(() => connection.stats.failedAttempts >= 2, 'the client to try a couple of times');
        // --- the daemon, started second
        const daemon = new Communicator({ handleSignals: false });
        const d = new Dispatcher({ trace: trace('daemon'), logger: trace('daemon') });
        d.on('DAD', (_m, ctx) => void ctx.reply('CLIMB'));
        d.on('TOP', (_m, ctx) => void ctx.reply('WHO'));
        d.on('MOM', (m, ctx) => void ctx.reply('BYE', { to: m.get('name') ?? '?' }));
        d.on('QUIT', () => {
            out('daemon: QUIT received, removing everything');
            void daemon.removeAll();
        });
        daemon.add(await listen(url, dispatcherOptions(d, { name: 'daemon', callbacks: { onConnect: (conn) => void conn.send(message('HI')) } })));
        out(`daemon: listening on ${url}`);
        const daemonDone = daemon.run();
        // --- the conversation runs by itself; meanwhile logrotate signals the client over UDP
        const quiet = { stdout: { write: () => true }, stderr: { write: () => true }, stdin: process.stdin, signal: new AbortController().signal };
        const udp = `127.0.0.1:${logRotate.address.port}`;
        await signalCommand({ host: udp, type: 'udp', message: 'LOG_ROTATE', secretCode: 'demo-secret' }, quiet);
        out(`logrotate: sent LOG_ROTATE to udp://${udp}`);
        await clientDone;
        out(`client: run() returned (log rotations: ${rotations})`);
        // --- ed-signal --type tcp --message QUIT
        out(`switchboard signal --host 127.0.0.1:${port} --type tcp --message QUIT`);
        await signalCommand({ host: `127.0.0.1:${port}`, type: 'tcp', message: 'QUIT' }, quiet);
        await daemonDone;
        out('daemon: run() returned');
    },
};
