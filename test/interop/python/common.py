"""Shared bits of the python-websockets interop scripts (see echo_server.py and client.py).

Works with the legacy asyncio API of websockets 10.x (Debian 12's python3-websockets) and with
the newer implementation behind the same top-level names (websockets 13+).
"""
import hashlib
import json
import sys

import websockets


def emit(**event):
    """One JSON object per line on stdout: the Node test reads these."""
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def extensions_of(ws):
    """Names of the negotiated extensions (legacy API: ws.extensions; newer: ws.protocol.extensions)."""
    exts = getattr(ws, "extensions", None)
    if exts is None:
        exts = getattr(getattr(ws, "protocol", None), "extensions", None) or []
    return [getattr(e, "name", str(e)) for e in exts]


def describe(msg):
    """What a received message was: type, byte length, SHA-256, and the text itself when short."""
    data = msg.encode("utf-8") if isinstance(msg, str) else bytes(msg)
    out = {
        "type": "text" if isinstance(msg, str) else "binary",
        "length": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    if isinstance(msg, str) and len(msg) <= 200:
        out["text"] = msg
    return out


def compression_arg(value):
    return None if value == "none" else "deflate"


VERSION = getattr(websockets, "__version__", "unknown")
