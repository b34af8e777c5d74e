"""The ``ipp-wsgi advertise`` process that ``ipp-wsgi serve`` starts from the gunicorn master: one process
advertises, never each worker."""

from __future__ import annotations

from collections.abc import Sequence

from ipp_wsgi.child_process import ChildCommand


class AdvertiserProcess(ChildCommand):
    """``ipp-wsgi advertise ARGUMENTS --exit-with-parent``: it logs which responder it uses (or why there is
    none), and withdraws its records when stopped."""

    def __init__(self, arguments: Sequence[str]) -> None:
        super().__init__("advertise", arguments)
