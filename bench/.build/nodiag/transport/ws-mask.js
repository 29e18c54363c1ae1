/**
 * WebSocket masking with bufferutil's native code where it is installed (an optional dependency,
 * the one `ws` uses). Masking is the XOR of every payload byte with a 4-byte key, on everything a
 * client sends and a server receives. The portable `applyMask` does about 4.6 GB/s, bufferutil's
 * SIMD loop about 25 GB/s (2 cores, Node 20): at 1 MiB messages that was a third of a client's
 * CPU time (bench/).
 *
 * Loaded once, lazily, and only used when it is native code that passes a self-test; otherwise
 * (not installed, no prebuilt binary for this platform, `SWITCHBOARD_NO_BUFFERUTIL=1`) the
 * portable function is used and nothing changes but speed.
 */
import { createRequire } from 'node:module';
import { applyMask } from '../core/websocket/index.js';
/** Below this many bytes a native call costs more than the JavaScript loop. */
const NATIVE_MIN = 128;
let chosen;
function load() {
    if (process.env['SWITCHBOARD_NO_BUFFERUTIL'] === '1')
        return undefined;
    let mod;
    try {
        mod = createRequire(import.meta.url)('bufferutil');
    }
    catch {
        return undefined; // not installed
    }
    const mask = mod.mask;
    // bufferutil falls back to a byte-at-a-time JavaScript loop when its binary cannot load:
    // slower than ours, so only the native function is taken.
    if (typeof mask !== 'function' || !/\[native code\]/.test(Function.prototype.toString.call(mask)))
        return undefined;
    const native = mask;
    return selfTest(native) ? native : undefined;
}
/** The native function must agree with ours on odd lengths and offsets. */
function selfTest(native) {
    try {
        const src = new Uint8Array(1031);
        for (let i = 0; i < src.length; i++)
            src[i] = (i * 131 + 7) & 0xff;
        const key = Uint8Array.of(0x12, 0x9a, 0xfe, 0x01);
        const want = new Uint8Array(src.length + 3);
        const got = new Uint8Array(src.length + 3);
        applyMask(src, key, want, 3);
        native(src, key, got, 3, src.length);
        for (let i = 0; i < want.length; i++)
            if (want[i] !== got[i])
                return false;
        return true;
    }
    catch {
        return false;
    }
}
/** The masking function WebSocket connections use, and whether it is native. */
export function webSocketMask() {
    if (chosen === undefined) {
        const native = load();
        chosen =
            native === undefined
                ? { fn: applyMask, native: false }
                : {
                    fn: (src, mask, dst, at) => {
                        if (src.length < NATIVE_MIN)
                            applyMask(src, mask, dst, at);
                        else
                            native(src, mask, dst, at, src.length);
                    },
                    native: true,
                };
    }
    return chosen;
}
