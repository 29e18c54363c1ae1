/**
 * Seed 003 (clj-tcp): a raw byte client against an echo server (the same server as
 * `switchboard listen tcp://127.0.0.1:PORT --framing raw --codec bytes --echo`), reading with
 * `for await` and with its errors available as a stream too.
 */
import { connect } from '../../endpoint/index.js';
import { raw, bytesCodec } from '../../core/index.js';
import { startListener } from '../commands.js';
export const cljTcp = {
    name: 'clj-tcp',
    title: 'clj-tcp (seed 003): raw byte client, echo server, read loop and error stream',
    async run(out) {
        const echo = await startListener('tcp://127.0.0.1:0', { framing: 'raw', codec: 'bytes', echo: true, quiet: true, name: 'echo' }, () => { }, (line) => out(`echo server: ${line}`));
        out(`echo server on ${echo.url}`);
        const conn = await connect(echo.url, {
            name: 'bytes',
            protocol: { framing: raw(), codec: bytesCodec() },
        });
        const errors = [];
        const errorLoop = (async () => {
            for await (const err of conn.errors())
                errors.push(err.code);
        })();
        const sent = conn.send(new TextEncoder().encode('hi'));
        out(`write! "hi" -> ${sent}`);
        let echoed = '';
        for await (const chunk of conn) {
            echoed += new TextDecoder().decode(chunk);
            out(`read ${chunk.length} bytes: ${JSON.stringify(new TextDecoder().decode(chunk))}`);
            if (echoed.length >= 2)
                break;
        }
        await conn.close();
        await errorLoop;
        out(`error channel: ${errors.length === 0 ? 'no errors' : errors.join(', ')}`);
        await echo.close();
    },
};
