/**
 * Writing named messages: the line form eventdispatcher daemons send, and the JSON form.
 *
 *     ['<' sent_from_server ':' sent_from_service ' '] [[server ':'] service '/'] COMMAND [' ' name '=' value (';' name '=' value)*]
 *
 *     <cluster1:lockd snapcommunicator/LOCKED key=website;timeout_date=1715440881.543723981
 *     |<--- sent from --->|<- service ->|<cmd->|<------------- parameters -------------->|
 *
 * This file works on plain fields ({@link MessageParts}), so `Message` can use it without an
 * import cycle. Byte-exact with eventdispatcher's `message::to_string()`, except in one case
 * where its output is lossy (see `needsQuotes`).
 */
/** The fields of a message, as `Message` holds them: empty strings for unset names. */
export interface MessageParts {
    readonly command: string;
    readonly server: string;
    readonly service: string;
    readonly sentFromServer: string;
    readonly sentFromService: string;
    /** Values by name, already valid. Written sorted by name whatever their order here. */
    readonly parameters: Readonly<Record<string, string>>;
}
/** The JSON form of a message, as {@link toJson} writes it (fields in this order, empty ones left out). */
export interface MessageJsonObject {
    'sent-from-server'?: string;
    'sent-from-service'?: string;
    /** Only written together with `service`. */
    server?: string;
    service?: string;
    command: string;
    /** Left out when there are none. `true`/`false` and plain integers are written as JSON booleans and numbers. */
    parameters?: Record<string, string | number | boolean>;
}
/** Bytewise order of names (they are ASCII, so UTF-16 order is byte order). */
export declare const byName: (a: string, b: string) => number;
/**
 * The line form, without the `\n` (streams add it; a datagram is the line alone).
 *
 * - `<server:service ` is written when either sent-from field is set.
 * - `server:` is written only with a service (a `Message` never has one without the other).
 * - Parameters are sorted by name, separated by `;`, with no `;` after the last.
 * - Values are escaped in one pass: `\` -> `\\`, LF -> `\n`, CR -> `\r`. A value that contains
 *   `;` or starts with `"` is put in double quotes, and its `"` are written `\"`.
 */
export declare function serializeMessage(msg: MessageParts): string;
/** A parameter value as written on the line (escaped, quoted when needed). */
export declare function encodeValue(value: string, last: boolean): string;
/**
 * The JSON form as an object, fields in eventdispatcher's order. Parameter values `true` and
 * `false` become JSON booleans and plain integers (`-35`, no `+`, no leading zero, at most
 * 2^53 - 1 in size) JSON numbers, as eventdispatcher writes them; every other value is a JSON
 * string, so that it reads back exactly (eventdispatcher would read `1.50` as `1.500000`).
 */
export declare function jsonObject(msg: MessageParts): MessageJsonObject;
/**
 * The JSON form on one line, always valid JSON (RFC 8259): every string is escaped by
 * `JSON.stringify`, and there is a comma between every two fields (eventdispatcher forgets the
 * one after `"service"`).
 */
export declare function toJson(msg: MessageParts): string;
