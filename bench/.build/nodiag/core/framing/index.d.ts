export type { Framer, Framing, Session } from './framer.js';
export { delimiter, lines, type DelimiterOptions } from './delimiter.js';
export { lengthPrefix, type LengthPrefixOptions, type LengthWidth } from './length-prefix.js';
export { fixed, custom, datagram, raw, type CustomOptions, type FrameLengthFn } from './simple.js';
import { delimiter, lines } from './delimiter.js';
import { lengthPrefix } from './length-prefix.js';
import { custom, datagram, fixed, raw } from './simple.js';
/** Every framing, by name: `framing.lines()`, `framing.lengthPrefix({ width: 2 })`... */
export declare const framing: {
    readonly lines: typeof lines;
    readonly delimiter: typeof delimiter;
    readonly lengthPrefix: typeof lengthPrefix;
    readonly fixed: typeof fixed;
    readonly custom: typeof custom;
    readonly datagram: typeof datagram;
    readonly raw: typeof raw;
};
