"""Subscriptions keep whether their owner was authenticated (in migrated databases too:
test_sqlite_store.py)."""

from __future__ import annotations

from spooler_helpers import MakeSpooler

from ipp_wsgi.backends.base import SubscriptionRequest
from ipp_wsgi.backends.embedded import EmbeddedSpooler


def _subscribe(spooler: EmbeddedSpooler, authenticated: bool) -> int:
    request = SubscriptionRequest("alice", ["printer-state-changed"], owner_authenticated=authenticated)
    return spooler.create_subscription("print", request).subscription_id


def test_subscription_keeps_whether_its_owner_was_authenticated(make_spooler: MakeSpooler) -> None:
    spooler = make_spooler(start=False)
    try:
        claimed, proven = _subscribe(spooler, False), _subscribe(spooler, True)
        assert spooler.get_subscription("print", claimed).owner_authenticated is False
        assert spooler.get_subscription("print", proven).owner_authenticated is True
        assert [s.owner_authenticated for s in spooler.subscriptions("print")] == [False, True]
    finally:
        spooler.close()
