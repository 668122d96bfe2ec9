"""A merchant's webhook receiver on loopback: records every request, can redirect, can signal."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


@dataclass
class Receiver:
    """What the receiver was sent, and how it answers."""

    received: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    redirect_to: str | None = None  # answer 307 to this URL instead
    on_request: Callable[[], None] | None = None  # called once a request is recorded
    url: str = ""

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        self.received.append(
            {"path": request.path, "headers": dict(request.headers), "body": request.get_data()}
        )
        if self.on_request is not None:
            self.on_request()
        if self.redirect_to:
            response = Response("", 307, {"Location": self.redirect_to})
        else:
            response = Response("ok", self.status)
        return response(environ, start_response)


@contextmanager
def receiving(receiver: Receiver | None = None) -> Iterator[Receiver]:
    """Serve a receiver on a free loopback port for the duration of the block."""
    receiver = receiver or Receiver()
    server = make_server("127.0.0.1", 0, receiver, threaded=True)
    receiver.url = f"http://127.0.0.1:{server.server_port}/hook"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
