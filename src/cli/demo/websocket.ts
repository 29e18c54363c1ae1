/**
 * Seed 002 (mojo-websockets): an echo server, and a client in a scoped block (`await using`)
 * that sends text and binary and receives each back; leaving the block closes the connection
 * with the WebSocket close handshake.
 */
import { connect, type Connection } from '../../endpoint/index.js';
import { startListener } from '../commands.js';
import type { Scenario } from './scenario.js';

type WsMessage = string | Uint8Array;

export const websocket: Scenario = {
  name: 'websocket',
  title: 'mojo-websockets (seed 002): echo server, client in an await using block, text and binary',
  async run(out) {
    // The same server as `switchboard listen ws://127.0.0.1:PORT --echo`.
    const server = await startListener('ws://127.0.0.1:0', { framing: 'lines', echo: true, quiet: true, name: 'echo' }, () => {}, out);
    out(`Listening on ${server.url}`);
    let closedInfo = '';
    {
      await using client: Connection<WsMessage, WsMessage> = await connect<WsMessage, WsMessage>(server.url, { name: 'client' });
      out(`Connection successful: ${client.name} (compression: ${client.meta['compression'] ? 'on' : 'off'})`);

      out('>>> Sending: Hello Mojo!');
      client.send('Hello Mojo!'); // a text frame
      const text = await client.receive({ timeout: 2000 });
      out(`<<< Received (${typeof text === 'string' ? 'text' : 'binary'}): ${String(text)}`);

      const bytes = new Uint8Array([0xde, 0xad, 0xbe, 0xef]);
      out('>>> Sending 4 bytes: de ad be ef');
      client.send(bytes); // a binary frame
      const echoed = await client.receive({ timeout: 2000 });
      const hex = echoed instanceof Uint8Array ? Array.from(echoed, (b) => b.toString(16).padStart(2, '0')).join(' ') : `text ${echoed}`;
      out(`<<< Received (${echoed instanceof Uint8Array ? 'binary' : 'text'}): ${hex}`);

      out(`ping round trip: ${(await client.ping()).toFixed(2)} ms`);
      void client.closed.then((info) => (closedInfo = `close code ${info.code}, clean: ${info.clean}`));
    } // leaving the block: close frame 1000, the server answers, TCP ends
    await new Promise((r) => setTimeout(r, 0));
    out(`Connection closed (${closedInfo || 'closing'}).`);
    await server.close();
  },
};
