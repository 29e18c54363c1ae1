import { ErrorCode, FramingError } from '../errors.js';
import { Limits } from '../limits.js';
import { CloseCode } from './close.js';
import { WebSocketProtocol } from './protocol.js';
/** A framing whose framers speak WebSocket frames (RFC 6455) over an open, upgraded link. */
export function webSocketFraming(options) {
    const maxFrameSize = options.limits?.maxMessageSize ?? Limits.wsMaxMessageSize;
    return {
        name: options.compressor ? 'websocket+deflate' : 'websocket',
        maxFrameSize,
        messageOriented: true,
        create(out) {
            if (out === undefined)
                throw new Error('a WebSocket framer needs the connection write buffer');
            return new WebSocketFramer(options, out);
        },
    };
}
class WebSocketFramer {
    ws;
    lastFrameBinary = true;
    peerClose;
    onPong;
    waitForPeerClose;
    skipped = 0;
    session = this;
    closedSent = false;
    constructor(options, out) {
        this.ws = new WebSocketProtocol({
            role: options.role,
            out,
            random: options.random,
            ...(options.limits && { limits: options.limits }),
            ...(options.compressor && { compressor: options.compressor() }),
            ...(options.mask && { mask: options.mask }),
        });
        // RFC 6455 7.1.1: the server closes TCP first; a client waits for it.
        this.waitForPeerClose = options.role === 'client';
    }
    /** Received bytes not parsed yet, and the parts of an unfinished message. */
    get buffered() {
        return this.ws.heldAmount;
    }
    /** True once a close frame left: ours, or the protocol's reply or failure close. */
    get closeSent() {
        return this.closedSent || this.ws.state !== 'OPEN';
    }
    push(chunk) {
        this.ws.receive(chunk);
    }
    next() {
        for (;;) {
            const ev = this.ws.nextEvent();
            if (ev === undefined)
                return undefined;
            switch (ev.type) {
                case 'message':
                    this.lastFrameBinary = ev.binary;
                    return ev.data;
                case 'ping':
                    continue; // RFC 6455 5.5.2: the pong is already written
                case 'pong':
                    this.onPong?.(ev.data);
                    continue;
                case 'close':
                    this.peerClose = { code: ev.code, reason: ev.reason };
                    if (ev.code === CloseCode.ABNORMAL) {
                        throw new FramingError(ErrorCode.FRAME_TRUNCATED, 'the peer ended the connection without a close frame (1006)', {
                            closeCode: CloseCode.ABNORMAL,
                        });
                    }
                    return undefined;
                case 'error':
                    throw ev.error;
            }
        }
    }
    dispose() {
        this.ws.receiveEof();
        // Drain to CLOSED, which frees the compressor; nothing here can reach the peer any more.
        try {
            while (this.ws.nextEvent() !== undefined)
                ;
        }
        catch {
            // the connection already recorded why it closed
        }
    }
    finish() {
        this.ws.receiveEof();
        // Whatever the end of stream reveals (an abnormal closure) comes out of next().
        this.next();
    }
    encode(payload, _out) {
        this.ws.send(payload, true);
    }
    encodeText(payload, _out) {
        this.ws.send(payload, false);
    }
    close(code, reason) {
        if (this.closedSent)
            return;
        this.closedSent = true;
        this.ws.close(code, reason);
    }
    ping(data) {
        this.ws.ping(data);
    }
}
