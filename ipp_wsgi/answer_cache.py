"""Answers to polls, given again byte for byte while what they were built from is unchanged.

Clients poll: CUPS's ipp backend, lpstat and every IPP Everywhere client ask Get-Printer-Attributes over
and over, with the same request each time but for the request-id. When the operation says its answer
depends only on the request and on state it can check cheaply
(:attr:`ipp_wsgi.ops.reply.Reply.valid_while`), the encoded answer is kept under the request's bytes
(request-id aside) and everything of the WSGI environ the answer may depend on, and given again, with the
new request-id, while the predicate holds. Only requests whose whole body the server handed over in memory
(``environ["ipp_wsgi.body"]``, :mod:`ipp_wsgi.worker`) are looked up: no decoding, no dispatch.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Mapping
from typing import Any

CONTEXT_KEYS = ("PATH_INFO", "SCRIPT_NAME", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "wsgi.url_scheme",
                "REMOTE_USER", "REMOTE_ADDR")
"""What of the environ an operation may see (:func:`ipp_wsgi.app.request_context` reads no more)."""

MAX_REQUEST_BYTES = 4096
"""Larger requests are not looked up (a poll is a few hundred bytes)."""


class AnswerCache:
    """Encoded answers by request (bytes without the request-id) and context, with their validity."""

    def __init__(self, max_entries: int = 256) -> None:
        self.max_entries = max_entries
        self._answers: dict[Hashable, tuple[bytes, Callable[[], bool], Any]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(environ: Mapping[str, Any], body: bytes) -> Hashable | None:
        """The lookup key of a request (None: too large to be a poll)."""
        if len(body) > MAX_REQUEST_BYTES or len(body) < 8:
            return None
        return (body[:4], body[8:], *(environ.get(name) for name in CONTEXT_KEYS))

    def get(self, key: Hashable, request_id: bytes) -> bytes | None:
        """The kept answer to ``key`` with ``request_id`` (4 octets) in it, if it is still valid."""
        found = self._answers.get(key)
        if found is None:
            return None
        octets, valid, _ = found
        if not valid():
            with self._lock:
                if self._answers.get(key) is found:
                    del self._answers[key]
            return None
        return octets[:4] + request_id + octets[8:]

    def note(self, key: Hashable) -> Any:
        """The note kept with the answer to ``key`` (what the request said of itself), or None."""
        found = self._answers.get(key)
        return found[2] if found is not None else None

    def put(self, key: Hashable, octets: bytes, valid_while: Callable[[], bool], note: Any = None) -> None:
        """Keep ``octets``, the encoded answer to ``key``, while ``valid_while()`` holds (with ``note``)."""
        with self._lock:
            if len(self._answers) >= self.max_entries:
                self._answers.clear()  # requests are the clients' to vary: keep the cache bounded
            self._answers[key] = (octets, valid_while, note)
