"""The PostgreSQL store's subscriptions: the shared queries (:mod:`.sql_subscriptions`), but that
subscriptions are deleted in one statement (``= ANY``) rather than one per subscription."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

from ipp_wsgi.backends.embedded.store.sql_subscriptions import SubscriptionQueries


class PgSubscriptionQueries(SubscriptionQueries):
    """Subscriptions and events of a transaction on the psycopg connection ``_pg``."""

    _pg: psycopg.Connection[Any]

    def delete_subscriptions(self, subscription_ids: Sequence[int]) -> None:
        ids = list(subscription_ids)
        if ids:
            self._pg.execute("DELETE FROM events WHERE subscription_id = ANY(%s)", (ids,))
            self._pg.execute("DELETE FROM subscriptions WHERE subscription_id = ANY(%s)", (ids,))
