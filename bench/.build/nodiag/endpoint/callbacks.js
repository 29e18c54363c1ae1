const EVENTS = ['onInitialize', 'onConnect', 'onReceive', 'onSent', 'onFail', 'onDisconnect', 'onDrain', 'onReject'];
/**
 * Fans every event out to several callbacks, in order. The chain consumes messages when any
 * member does.
 */
export function chainCallbacks(...members) {
    const list = members.filter((m) => m !== undefined);
    const out = { observeOnly: list.every((m) => m.observeOnly === true || m.onReceive === undefined) };
    for (const ev of EVENTS) {
        const fns = list.map((m) => m[ev]?.bind(m)).filter((f) => f !== undefined);
        if (fns.length === 1)
            out[ev] = fns[0];
        else if (fns.length > 1)
            out[ev] = (...args) => {
                // Every member hears every event; the first error is rethrown after all have run.
                let first;
                for (const f of fns) {
                    try {
                        f(...args);
                    }
                    catch (error) {
                        first ??= { error };
                    }
                }
                if (first)
                    throw first.error;
            };
    }
    return out;
}
