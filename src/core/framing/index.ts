export type { FrameHead, Framer, Framing, HeadBytes, Session } from './framer.js';
export { delimiter, lines, type DelimiterOptions } from './delimiter.js';
export { lengthPrefix, type LengthPrefixOptions, type LengthWidth } from './length-prefix.js';
export { fixed, custom, datagram, raw, type CustomOptions, type FrameLengthFn } from './simple.js';

import { delimiter, lines } from './delimiter.js';
import { lengthPrefix } from './length-prefix.js';
import { custom, datagram, fixed, raw } from './simple.js';

/** Every framing, by name: `framing.lines()`, `framing.lengthPrefix({ width: 2 })`... */
export const framing = { lines, delimiter, lengthPrefix, fixed, custom, datagram, raw } as const;
