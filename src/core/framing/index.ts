export type { Framer, Framing } from './framer.js';
export { delimiter, lines, type DelimiterOptions } from './delimiter.js';
export { lengthPrefix, type LengthPrefixOptions, type LengthWidth } from './length-prefix.js';
export { fixed, custom, datagram, raw, type CustomOptions, type FrameLengthFn } from './simple.js';
