#!/usr/bin/env python3
"""A python-websockets client for switchboard's interop tests.

    python3 client.py URL [--compression deflate|none] [--max-size BYTES] < spec.json

spec.json says what to do, in order:
    {"ping": true,                                   ping the server first and wait for the pong
     "messages": [{"text": "..."} | {"binary": "<base64>"}
                  | {"fragments": ["...", ...]}       one text message sent in several frames
                  | {"fragments_binary": ["<base64>", ...]},
                  ...],                               each is sent, then one reply is awaited
     "close": {"code": 1000, "reason": "bye"}         close from this side, or
     "server_close": "!close 4000 reason"}            send this and wait for the server to close

Prints JSON lines on stdout: open (version, extensions), pong, one "message" per reply
(type, length, sha256), then closed (the code and reason the server sent).
"""
import argparse
import asyncio
import base64
import json
import sys

import websockets

from common import VERSION, compression_arg, describe, emit, extensions_of

TIMEOUT = 30


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--compression", choices=["deflate", "none"], default="deflate")
    parser.add_argument("--max-size", type=int, default=2**25)
    args = parser.parse_args()
    spec = json.loads(sys.stdin.buffer.read() or b"{}")

    async with websockets.connect(
        args.url,
        compression=compression_arg(args.compression),
        max_size=args.max_size,
        ping_interval=None,
        close_timeout=10,
        open_timeout=TIMEOUT,
    ) as ws:
        emit(event="open", version=VERSION, extensions=extensions_of(ws))
        if spec.get("ping"):
            waiter = await ws.ping(b"from-python")
            await asyncio.wait_for(waiter, TIMEOUT)
            emit(event="pong")
        for m in spec.get("messages", []):
            if "text" in m:
                await ws.send(m["text"])
            elif "binary" in m:
                await ws.send(base64.b64decode(m["binary"]))
            elif "fragments" in m:
                await ws.send(list(m["fragments"]))
            else:
                await ws.send([base64.b64decode(f) for f in m["fragments_binary"]])
            reply = await asyncio.wait_for(ws.recv(), TIMEOUT)
            emit(event="message", **describe(reply))
        if "server_close" in spec:
            await ws.send(spec["server_close"])
            await asyncio.wait_for(ws.wait_closed(), TIMEOUT)
        else:
            c = spec.get("close", {})
            await ws.close(c.get("code", 1000), c.get("reason", ""))
    emit(event="closed", code=ws.close_code, reason=ws.close_reason)


if __name__ == "__main__":
    asyncio.run(main())
