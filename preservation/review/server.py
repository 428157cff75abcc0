"""Serving the review page with uvicorn on 127.0.0.1, on a free port the system picks.

The socket is bound here (port 0: the system picks a free one) and handed to uvicorn, so no
other program can take the port between choosing and listening. Ctrl-C stops the server
cleanly (uvicorn finishes the requests in flight); :class:`Running` runs it in a thread for
tests and stops it on request.
"""

from __future__ import annotations

import socket
import threading
import time
import webbrowser
from collections.abc import Callable
from urllib.parse import urlencode

import uvicorn

from preservation.review.app import Review, make_app

HOST = "127.0.0.1"


def bind() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def url_of(review: Review, path: str = "/", **query: str) -> str:
    return f"http://{HOST}:{review.port}{path}?{urlencode({'token': review.token, **query})}"


def _server(review: Review, sock: socket.socket) -> uvicorn.Server:
    review.port = sock.getsockname()[1]
    config = uvicorn.Config(make_app(review), log_level="warning", access_log=False,
                            lifespan="off", server_header=False, date_header=False,
                            timeout_graceful_shutdown=5)
    return uvicorn.Server(config)


def serve(review: Review, *, open_browser: bool = True, announce: Callable[[str], None] = print,
          query: dict[str, str] | None = None) -> None:
    """Serve until Ctrl-C (in the calling, main thread); ``query``: filters of the first page."""
    sock = bind()
    server = _server(review, sock)
    url = url_of(review, "/", **(query or {}))
    announce(url)
    if open_browser:
        threading.Timer(0.3, webbrowser.open, args=(url,)).start()
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # uvicorn shut down cleanly, then passed the Ctrl-C on: that is the way to stop
    finally:
        sock.close()


class Running:
    """The server in a background thread (tests, embedding); ``stop()`` ends it and waits."""

    def __init__(self, review: Review) -> None:
        self.review = review
        self.sock = bind()
        self.server = _server(review, self.sock)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       name="preservation-review", daemon=True)

    def __enter__(self) -> Running:
        self.thread.start()
        for _ in range(6000):  # up to a minute on a busy machine
            if self.server.started:
                break
            if not self.thread.is_alive():
                raise RuntimeError("the review server did not start")
            time.sleep(0.01)
        return self

    def url(self, path: str = "/", **query: str) -> str:
        return url_of(self.review, path, **query)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()

    def __exit__(self, *exc: object) -> None:
        self.stop()
