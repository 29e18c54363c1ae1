/**
 * Seed 004 (LEADS comm): a callback server that broadcasts to several clients and reports the
 * connection count; one client is started in the background while the main flow goes on.
 * Messages are `;`-separated bytes and `disconnect` closes politely both ways.
 */
import { leads as leadsProtocol } from '../../core/index.js';
import { connect, listen } from '../../endpoint/index.js';
import { until } from './scenario.js';
const text = (b) => new TextDecoder().decode(b);
function callbacksFor(who, out, inbox) {
    return {
        onInitialize: (_ep) => out(`${who}: initialized`),
        onConnect: (conn) => out(`${who}: connected ${conn.remoteAddress}`),
        onReceive: (_conn, msg) => {
            inbox.push(text(msg));
            out(`${who}: received "${text(msg)}"`);
        },
        onFail: (err) => out(`${who}: failed ${err.code}`),
        onDisconnect: () => out(`${who}: disconnected`),
    };
}
export const leads = {
    name: 'leads',
    title: 'LEADS comm (seed 004): callback server, broadcast, connection count, background client',
    async run(out) {
        const serverInbox = [];
        const server = await listen('tcp://127.0.0.1:0', {
            name: 'leads',
            protocol: leadsProtocol(),
            callbacks: callbacksFor('server', out, serverInbox),
        });
        const inboxes = [[], [], []];
        const a = await connect(server.url, { protocol: leadsProtocol(), callbacks: callbacksFor('client A', out, inboxes[0]) });
        const b = await connect(server.url, { protocol: leadsProtocol(), callbacks: callbacksFor('client B', out, inboxes[1]) });
        // Client C starts in the background (LEADS' parallel=True): the main flow does not wait for it.
        const cStarted = connect(server.url, { protocol: leadsProtocol(), callbacks: callbacksFor('client C', out, inboxes[2]) });
        a.send('Hello from A');
        await until(() => serverInbox.includes('Hello from A'), 'the server to receive A');
        const c = await cStarted;
        await until(() => server.connectionCount === 3, 'three connections');
        out(`server: ${server.connectionCount} connections`);
        const result = server.broadcast('Hello world');
        out(`server: broadcast reached ${result.sent + result.queued} clients`);
        await until(() => inboxes.every((box) => box.includes('Hello world')), 'every client to receive the broadcast');
        await b.close();
        await until(() => server.connectionCount === 2, 'B to leave');
        out(`server: ${server.connectionCount} connections after B said disconnect`);
        await a.close();
        await c.close();
        await until(() => server.connectionCount === 0, 'everyone to leave');
        out(`server: ${server.connectionCount} connections`);
        await server.close();
    },
};
