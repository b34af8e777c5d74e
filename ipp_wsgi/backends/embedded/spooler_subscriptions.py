"""The embedded spooler's subscription operations (RFC 3995, ``ippget``): :class:`SubscriptionOperations`,
a part of :class:`~.spooler.EmbeddedSpooler`; which events reach a subscription is :mod:`.events`."""

from __future__ import annotations

import time

from ipp_wsgi.backends.base import (
    TERMINAL_JOB_STATES,
    BackendError,
    Event,
    Subscription,
    SubscriptionRequest,
)
from ipp_wsgi.backends.embedded.spooler_core import SpoolerCore
from ipp_wsgi.backends.embedded.store import StoreTransaction
from ipp_wsgi.codec import status


class SubscriptionOperations(SpoolerCore):
    """Subscriptions: created, read, listed, renewed and canceled; their events fetched."""

    def create_subscription(self, printer: str, request: SubscriptionRequest) -> Subscription:
        """A printer subscription, or a subscription of a job of ``printer`` that has not ended."""
        self._printer(printer)
        now = time.time()
        with self._store.write() as tx:
            if request.job_id is not None:
                job = self._job(tx, printer, request.job_id, for_update=True)
                if job.state in TERMINAL_JOB_STATES:
                    raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, "the job has ended")
            subscription_id = tx.create_subscription(printer, request, now)
            return self._subscription(tx, printer, subscription_id, now)

    def get_subscription(self, printer: str, subscription_id: int) -> Subscription:
        """The subscription (client-error-not-found once deleted, expired or aged out)."""
        self._printer(printer)
        now = time.time()
        with self._store.read() as tx:
            return self._subscription(tx, printer, subscription_id, now)

    def subscriptions(self, printer: str, job_id: int | None = None, owner: str | None = None,
                      limit: int | None = None) -> list[Subscription]:
        """Subscriptions of the printer, or of job ``job_id``, by ascending id."""
        self._printer(printer)
        with self._store.read() as tx:
            if job_id is not None:
                self._job(tx, printer, job_id)
            return tx.select_subscriptions(printer, job_id, owner, limit, time.time())

    def renew_subscription(self, printer: str, subscription_id: int, lease_duration: int) -> Subscription:
        """Restart a printer subscription's lease from now."""
        self._printer(printer)
        now = time.time()
        with self._store.write() as tx:
            current = self._subscription(tx, printer, subscription_id, now)
            if current.job_id is not None:
                raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, "a job subscription has no lease")
            tx.renew_subscription(subscription_id, lease_duration, now)
            return self._subscription(tx, printer, subscription_id, now)

    def cancel_subscription(self, printer: str, subscription_id: int) -> None:
        """Delete the subscription and its events."""
        self._printer(printer)
        with self._store.write() as tx:
            self._subscription(tx, printer, subscription_id, time.time())
            tx.delete_subscriptions([subscription_id])

    def events(self, printer: str, subscription_id: int, first_sequence: int = 1) -> list[Event]:
        """The subscription's kept events from ``first_sequence`` on."""
        self._printer(printer)
        with self._store.read() as tx:
            self._subscription(tx, printer, subscription_id, time.time())
            return tx.events(subscription_id, first_sequence)

    @staticmethod
    def _subscription(tx: StoreTransaction, printer: str, subscription_id: int, now: float) -> Subscription:
        found = tx.subscription(printer, subscription_id, now)
        if found is None:
            raise BackendError(status.CLIENT_ERROR_NOT_FOUND, f"no subscription {subscription_id}")
        return found
