"""How the processes of one PostgreSQL store wake its printing processes, on every host: ``NOTIFY`` on
the channel :data:`CHANNEL`, heard by a ``LISTEN`` ing connection of each printing process
(:class:`PgWaiter`).

A wake-up is dropped when nobody listens (printing threads also poll). A listener whose connection
breaks (the server restarted) waits out each wait and connects again: meanwhile its printing threads
poll, and its first wait after it is back says there may have been a wake-up.
"""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any

import psycopg

CHANNEL = "ipp_wsgi_wake"
CONNECT_TIMEOUT = 5
log = logging.getLogger(__name__)


class PgWaiter:
    """A connection of its own that listens on :data:`CHANNEL` of the database ``url`` (OSError when it
    cannot connect: then the printing threads poll)."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._db: psycopg.Connection[Any] | None = None
        try:
            self._connect()
        except psycopg.Error as exc:
            raise OSError(f"cannot listen for wake-ups: {exc}") from exc

    def _connect(self) -> None:
        db = psycopg.connect(self._url, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
        try:
            db.execute(f"LISTEN {CHANNEL}")
        except BaseException:
            db.close()
            raise
        self._db = db

    def wait(self, timeout: float) -> bool:
        """Wait at most ``timeout`` seconds for a notification, then take every one sent so far; whether
        there was one (or may have been: the connection was lost and made again)."""
        if self._db is None:
            try:
                self._connect()
            except psycopg.Error:
                time.sleep(timeout)
                return False
            return True  # wake-ups sent while it was away were lost: look now
        try:
            woken = any(True for _ in self._db.notifies(timeout=timeout, stop_after=1))
            if woken:
                for _ in self._db.notifies(timeout=0):
                    pass
            return woken
        except psycopg.Error as exc:
            log.warning("job store: the wake-up listener lost its connection (%s): polling until it is back",
                        _first_line(exc))
            self.close()
            return True

    def close(self) -> None:
        """Stop listening."""
        db, self._db = self._db, None
        if db is not None:
            with contextlib.suppress(psycopg.Error):
                db.close()


def notify(db: psycopg.Connection[Any]) -> None:
    """Wake every listener of the database of ``db`` (a connection in autocommit mode)."""
    db.execute("SELECT pg_notify(%s, '')", (CHANNEL,))


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
