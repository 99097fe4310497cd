"""Serve a simulator app on 127.0.0.1: in the foreground (CLI) or in a background thread (tests)."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

import uvicorn


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_forever(app: Any, port: int, host: str = "127.0.0.1") -> None:
    """Run until interrupted (SIGINT/SIGTERM); used by ``python -m gisync simulator ...``."""
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


@dataclass
class BackgroundServer:
    """A uvicorn server running in a daemon thread; ``stop()`` shuts it down cleanly."""

    server: uvicorn.Server
    thread: threading.Thread
    url: str

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_background(app: Any, port: int | None = None, timeout: float = 10.0) -> BackgroundServer:
    """Start ``app`` on 127.0.0.1 in a thread and wait until it accepts connections."""
    chosen = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=chosen, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"simulator-{chosen}", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"simulator did not start on 127.0.0.1:{chosen}")
        time.sleep(0.02)
    return BackgroundServer(server=server, thread=thread, url=f"http://127.0.0.1:{chosen}")
