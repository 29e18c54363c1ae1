/**
 * `switchboard signal`: sends one named message to a running server, like eventdispatcher's
 * `ed-signal`, and with `--reply` prints one reply line.
 *
 *     switchboard signal --host 127.0.0.1:4041 --type tcp --message QUIT
 *     switchboard signal --host 127.0.0.1:4041 --type udp --message LOG_ROTATE --secret-code s3cret
 *     switchboard signal --host /run/daemon.sock --type unix --message daemon/STATUS --reply
 */
import { type Message } from '../core/index.js';
import { type CliIo } from './io.js';
export interface SignalFlags {
    host: string;
    type: 'tcp' | 'udp' | 'unix';
    message: string;
    param?: string[];
    secretCode?: string;
    reply?: boolean;
    timeout?: number;
    trace?: boolean;
}
/** The message from `--message [[server:]service/]COMMAND` and `--param name=value`. */
export declare function signalMessage(flags: Pick<SignalFlags, 'message' | 'param' | 'secretCode' | 'type'>): Message;
/** `127.0.0.1:4041` or `[::1]:4041` -> a URL of `scheme`; a path for unix. */
export declare function signalUrl(type: SignalFlags['type'], host: string): string;
export declare function signalCommand(flags: SignalFlags, io: CliIo): Promise<number>;
