#!/usr/bin/env python3
"""A python-websockets echo server for switchboard's interop tests.

    python3 echo_server.py [--compression deflate|none] [--max-size BYTES]

Listens on 127.0.0.1, a free port, and prints JSON lines on stdout:
    {"event": "listening", "port": N, "version": "10.4"}
    {"event": "open", "path": "/x", "extensions": ["permessage-deflate"]}
    {"event": "message", "path": "/x", "type": "text", "length": N, "sha256": "..."}  (each one received)
    {"event": "closed", "path": "/x", "code": 1000, "reason": "", "messages": N}

Echoes every message with its type (text or binary). Text commands:
    !close CODE REASON   close with that code and reason
    !ping                ping the client, wait for its pong, then send "pong-ok"
    !fragments-text      send one text message in three frames
    !fragments-binary    send one binary message in three frames
Stops on SIGTERM / SIGINT or when stdin ends (the test's process went away).
"""
import argparse
import asyncio
import signal
import sys

import websockets

from common import VERSION, compression_arg, describe, emit, extensions_of

FRAGMENTS_TEXT = ["frag", "ment\u00e9d ", "text \u20ac\U0001F600"]
FRAGMENTS_BINARY = [b"\x00\x01\x02", bytes(range(256)) * 4, b"\xff"]


async def handler(ws):
    path = getattr(ws, "path", None) or getattr(getattr(ws, "request", None), "path", None)
    emit(event="open", path=path, extensions=extensions_of(ws))
    count = 0
    try:
        async for msg in ws:
            count += 1
            emit(event="message", path=path, **describe(msg))
            if isinstance(msg, str) and msg.startswith("!close "):
                parts = msg.split(" ", 2)
                await ws.close(int(parts[1]), parts[2] if len(parts) > 2 else "")
                break
            if msg == "!ping":
                waiter = await ws.ping(b"from-python")
                await asyncio.wait_for(waiter, 10)
                await ws.send("pong-ok")
            elif msg == "!fragments-text":
                await ws.send(FRAGMENTS_TEXT)
            elif msg == "!fragments-binary":
                await ws.send(FRAGMENTS_BINARY)
            else:
                await ws.send(msg)
    except websockets.ConnectionClosed:
        pass
    try:
        await asyncio.wait_for(ws.wait_closed(), 10)
    except asyncio.TimeoutError:
        pass
    emit(event="closed", path=path, code=ws.close_code, reason=ws.close_reason, messages=count)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--compression", choices=["deflate", "none"], default="deflate")
    parser.add_argument("--max-size", type=int, default=2**25)
    args = parser.parse_args()

    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    # stdin at EOF: the test that started us is gone (only when stdin is a pipe).
    def on_stdin():
        if sys.stdin.buffer.read1(4096) == b"":
            loop.remove_reader(sys.stdin.fileno())
            if not stop.done():
                stop.set_result(None)

    try:
        loop.add_reader(sys.stdin.fileno(), on_stdin)
    except (OSError, ValueError):
        pass

    async with websockets.serve(
        handler,
        "127.0.0.1",
        0,
        compression=compression_arg(args.compression),
        max_size=args.max_size,
        ping_interval=None,
    ) as server:
        port = list(server.sockets)[0].getsockname()[1]
        emit(event="listening", port=port, version=VERSION)
        await stop


if __name__ == "__main__":
    asyncio.run(main())
