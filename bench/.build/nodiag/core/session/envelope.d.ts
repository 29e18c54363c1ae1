/** The protocol version this code speaks, as it appears in byte 0 of every envelope. */
export declare const SESSION_PROTOCOL_VERSION = 1;
/** The versions this code speaks, as the `versions` field of a REFUSE lists them. */
export declare const SESSION_VERSIONS = "1";
/** The longest header, from the version byte to the `;` included. */
export declare const SESSION_HEADER_MAX = 256;
/** The longest error message an ERR envelope carries, in UTF-8 bytes; longer ones are cut when sending. */
export declare const SESSION_ERROR_MESSAGE_MAX = 1024;
/**
 * The kind letter in byte 1. Sequenced kinds (MSG, REQ, RES, ERR, CANCEL) carry a sequence number
 * and are kept until acknowledged; the others are control envelopes of one connection.
 */
export declare const EnvelopeKind: {
    /** Client to server, first on every connection: open a new session or resume one. */
    readonly Hello: "H";
    /** Server to client: the session is open (new or resumed). */
    readonly Welcome: "W";
    /** Server to client: the HELLO is refused (version, secret, protocol); the connection closes. */
    readonly Refuse: "N";
    /** A one-way application message. */
    readonly Message: "M";
    /** A request: the peer answers it with one RES or one ERR. */
    readonly Request: "Q";
    /** The answer to a request. */
    readonly Response: "R";
    /** A request failed: code and message, never a stack. */
    readonly Error: "E";
    /** The requester gave up on a request (abort, timeout): the handler's signal aborts. */
    readonly Cancel: "C";
    /** Cumulative acknowledgement: every sequenced envelope up to `ack` was taken. */
    readonly Ack: "A";
    /** Application-level heartbeat, answered at once with PONG (browsers cannot send WebSocket pings). */
    readonly Ping: "P";
    /** The answer to a PING, echoing its token. */
    readonly Pong: "O";
    /** The session ends deliberately: the peer drops its state and rejects what is pending. */
    readonly End: "X";
};
export type EnvelopeKind = (typeof EnvelopeKind)[keyof typeof EnvelopeKind];
/** A decoded envelope. Fields a kind does not use keep their neutral value (0, '', false, -1). */
export interface Envelope {
    version: number;
    kind: EnvelopeKind;
    /** Sequenced kinds: this envelope's sequence number (from 1). */
    seq: number;
    /** Cumulative acknowledgement carried by ACK or piggybacked on a sequenced kind; 0 for none. */
    ack: number;
    /** REQ, RES, ERR, CANCEL: the request id (from 1, chosen by the requester). */
    id: number;
    /** HELLO, WELCOME: the session id ('' in a HELLO that opens a new session). */
    sessionId: string;
    /** HELLO: the resume secret ('' when new). WELCOME: the secret of a new session, '' on resume. */
    secret: string;
    /** HELLO, WELCOME: the highest sequence number the sender received in order from the peer. */
    received: number;
    /** WELCOME: the server resumed the session the HELLO named. */
    resumed: boolean;
    /** WELCOME: how long the server keeps the session while disconnected, in ms. */
    retention: number;
    /** HELLO, WELCOME: requests the sender accepts in flight at once (its Receive Maximum). */
    maxRequests: number;
    /** ERR, REFUSE, END: a code (`[A-Z0-9_]+`); '' for none (END). */
    code: string;
    /** REFUSE: the versions the refusing side speaks, one character each ("1"). */
    versions: string;
    /** MSG, REQ sent again in a new session: the stable id `<session id>.<seq>` of the first sending; '' otherwise. */
    origin: string;
    /** PING, PONG: the token (decimal), -1 for none. */
    token: number;
    /** The payload as received: a view of the input bytes, or a slice of the input string. ERR: the message. */
    payload: Uint8Array | string;
}
/** A fresh envelope with neutral fields, for {@link decodeEnvelope}'s `into`. */
export declare function emptyEnvelope(): Envelope;
/** `1M<seq>[,<ack>[,<origin>]];` */
export declare function messageHeader(seq: number, ack: number, origin?: string): string;
/** `1Q<seq>,[<ack>],<id>[,<origin>];` */
export declare function requestHeader(seq: number, ack: number, id: number, origin?: string): string;
/** `1R<seq>,[<ack>],<id>;` */
export declare function responseHeader(seq: number, ack: number, id: number): string;
/** `1E<seq>,[<ack>],<id>,<code>;` followed by the message as the payload. */
export declare function errorHeader(seq: number, ack: number, id: number, code: string): string;
/** `1C<seq>,[<ack>],<id>;` */
export declare function cancelHeader(seq: number, ack: number, id: number): string;
/** `1A<ack>;` */
export declare function ackHeader(ack: number): string;
/** `1H<session id>,<secret>,<received>,<ack>,<max requests>;` */
export declare function helloHeader(sessionId: string, secret: string, received: number, ack: number, maxRequests: number): string;
/** `1W<session id>,<secret>,<received>,<ack>,<resumed 0|1>,<retention ms>,<max requests>;` */
export declare function welcomeHeader(sessionId: string, secret: string, received: number, ack: number, resumed: boolean, retention: number, maxRequests: number): string;
/** `1N<code>,<versions>;` */
export declare function refuseHeader(code: string, versions?: string): string;
/** `1P[<token>];` */
export declare function pingHeader(token?: number): string;
/** `1O[<token>];` */
export declare function pongHeader(token?: number): string;
/** `1X[<code>];` */
export declare function endHeader(code?: string): string;
/**
 * Header and payload as one frame payload, for framers that take one piece: text stays text
 * (`header + payload`, so a WebSocket text frame stays text), bytes become one byte array (the
 * header copied in front; allocated like the payload, so a Node `Buffer` gives a pooled Buffer).
 */
export declare function joinEnvelope(header: string, payload: Uint8Array | string | undefined): Uint8Array | string;
/** Everything an envelope can say, for {@link encodeEnvelope} (tests, tools, other drivers). */
export type EnvelopeFields = Partial<Omit<Envelope, 'kind' | 'version'>> & {
    kind: EnvelopeKind;
};
/**
 * Encodes any envelope, checking every field against the limits {@link decodeEnvelope} applies,
 * so that what this returns always decodes to the same fields. Throws `ENVELOPE_INVALID`.
 */
export declare function encodeEnvelope(e: EnvelopeFields): Uint8Array | string;
/**
 * Decodes one envelope from a frame's payload (bytes, or a string where the transport hands out
 * text). The payload is not copied: it is a view of `input` (or a slice of the string). `into`
 * is overwritten and returned, so a driver can decode every frame into one object.
 *
 * Untrusted input only ever throws a {@link SessionError} with code `ENVELOPE_INVALID` or
 * `SESSION_VERSION_UNSUPPORTED`.
 */
export declare function decodeEnvelope(input: Uint8Array | string, into?: Envelope): Envelope;
