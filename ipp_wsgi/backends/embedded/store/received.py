"""A document a store received into its spool directory and has not kept yet (both SQL stores receive
so: in memory up to :data:`~ipp_wsgi.backends.embedded.spool.INLINE_BYTES`, else in a temporary file)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import BinaryIO

from ipp_wsgi.backends.embedded.spool import Received, Spool, SpoolWriteError
from ipp_wsgi.backends.embedded.store.documents import DocumentWriteError, ReceivedDocument


class SpoolReceived(ReceivedDocument):
    """A document received in memory, or in a temporary file of the spool (:meth:`.Spool.receive`)."""

    def __init__(self, received: Received) -> None:
        self.size = received.size
        self.received = received

    def open(self) -> BinaryIO:
        """Its bytes in memory, or its temporary file."""
        if self.received.data is not None:
            return io.BytesIO(self.received.data)
        assert self.received.path is not None
        return open(self.received.path, "rb")

    def discard(self) -> None:
        """Remove its temporary file, if it has one."""
        self.received.discard()


def receive(spool: Spool, data: BinaryIO, before_large: Callable[[], None] | None) -> SpoolReceived:
    """Read ``data`` until EOF into ``spool`` (:meth:`~.base.Store.receive`); a write that fails is
    :class:`DocumentWriteError`."""
    try:
        return SpoolReceived(spool.receive(data, before_large))
    except SpoolWriteError as exc:
        raise DocumentWriteError(exc.errno, exc.strerror) from exc
