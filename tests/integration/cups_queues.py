"""A private cupsd's raw queues printing to AppSocket recorders of the test (for the cups backend tests).

(CUPS 2.4 writes nothing for a raw queue with a ``file:`` device, so the bytes go out by CUPS's own
``socket`` backend to a listener of the test on a loopback port.)
"""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from harness import PrivateCupsd


class Recorder(socketserver.ThreadingTCPServer):
    """An AppSocket printer on a free loopback port: records each connection's bytes, byte-exact."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _RecordOne)
        self.received: list[bytes] = []
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def uri(self) -> str:
        return f"socket://127.0.0.1:{self.server_address[1]}"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self.thread.join()


class _RecordOne(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        assert isinstance(self.server, Recorder)
        self.server.received.append(self.rfile.read())


@dataclass
class Queues:
    """A cupsd with raw queues, each printing to its own recorder (``recorders[name]``)."""

    cupsd: PrivateCupsd
    recorders: dict[str, Recorder]

    @property
    def out(self) -> Recorder:
        return self.recorders["out"]

    @property
    def other(self) -> Recorder:
        return self.recorders["other"]

    @property
    def socket(self) -> str:
        """The path of cupsd's Unix socket."""
        return str(self.cupsd.root / "run" / "cups.sock")


@contextmanager
def raw_queues(cupsd: PrivateCupsd, *names: str, model: str | None = None) -> Iterator[Queues]:
    """Queues ``names`` (default ``out`` and ``other``) in ``cupsd``, each with its recorder; raw unless
    ``model`` names a driver (``drv:///sample.drv/generic.ppd``)."""
    queues = Queues(cupsd, {})
    try:
        for name in names or ("out", "other"):
            recorder = queues.recorders[name] = Recorder()
            cupsd.add_queue(name, recorder.uri, model)
        yield queues
    finally:
        for recorder in queues.recorders.values():
            recorder.stop()
