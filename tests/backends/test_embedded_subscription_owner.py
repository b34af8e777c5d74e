"""Subscriptions keep whether their owner was authenticated, in new and in migrated job databases."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from spooler_helpers import make_printer

from ipp_wsgi.backends.base import SubscriptionRequest
from ipp_wsgi.backends.embedded import EmbeddedSpooler


def _subscribe(spooler: EmbeddedSpooler, authenticated: bool) -> int:
    request = SubscriptionRequest("alice", ["printer-state-changed"], owner_authenticated=authenticated)
    return spooler.create_subscription("print", request).subscription_id


def test_subscription_keeps_whether_its_owner_was_authenticated(spool_dir: Path) -> None:
    spooler = EmbeddedSpooler(spool_dir, [make_printer("print")], start=False)
    try:
        claimed, proven = _subscribe(spooler, False), _subscribe(spooler, True)
        assert spooler.get_subscription("print", claimed).owner_authenticated is False
        assert spooler.get_subscription("print", proven).owner_authenticated is True
        assert [s.owner_authenticated for s in spooler.subscriptions("print")] == [False, True]
    finally:
        spooler.close()


def test_database_without_the_column_gets_it_on_open(spool_dir: Path) -> None:
    spooler = EmbeddedSpooler(spool_dir, [make_printer("print")], start=False)
    try:
        old = _subscribe(spooler, True)
    finally:
        spooler.close()
    with sqlite3.connect(spool_dir / "jobs.sqlite3") as db:  # as a release before the column wrote it
        db.execute("ALTER TABLE subscriptions DROP COLUMN owner_authenticated")

    spooler = EmbeddedSpooler(spool_dir, [make_printer("print")], start=False)
    try:
        # an old subscription's owner was never recorded as authenticated; new ones are
        assert spooler.get_subscription("print", old).owner_authenticated is False
        assert spooler.get_subscription("print", _subscribe(spooler, True)).owner_authenticated is True
    finally:
        spooler.close()
