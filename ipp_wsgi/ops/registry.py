"""The table of operations: each handler registered by operation-id with its target and backend needs."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum

from ipp_wsgi.backends import Backend
from ipp_wsgi.codec import operations as ops
from ipp_wsgi.ops.call import Call
from ipp_wsgi.ops.service import PrinterEntry, Service

Handler = Callable[[Call], None]


class Target(Enum):
    """What an operation acts on, and so which operation attributes name it."""

    PRINTER = "printer"
    """``printer-uri`` naming one printer."""
    JOB = "job"
    """``job-uri``, or ``printer-uri`` + ``job-id``."""
    SERVER = "server"
    """Optional ``printer-uri``: one printer, or every printer when absent or the server's own URI."""


@dataclass(frozen=True, slots=True)
class Operation:
    """A registered operation."""

    code: int
    handler: Handler
    target: Target
    needs: tuple[str, ...]
    """Backend methods the operation calls: it is offered only when the backend implements them all."""

    def offered_by(self, backend: Backend) -> bool:
        """True when ``backend`` implements what this operation needs."""
        return all(backend.supports(method) for method in self.needs)


OPERATIONS: dict[int, Operation] = {}

QUICK_OPERATIONS = frozenset({
    ops.GET_PRINTER_ATTRIBUTES, ops.GET_PRINTERS, ops.CUPS_GET_PRINTERS, ops.CUPS_GET_DEFAULT,
    ops.GET_PRINTER_SUPPORTED_VALUES, ops.GET_JOBS, ops.GET_JOB_ATTRIBUTES, ops.VALIDATE_JOB,
    ops.GET_DOCUMENTS, ops.GET_DOCUMENT_ATTRIBUTES, ops.GET_SUBSCRIPTIONS, ops.GET_SUBSCRIPTION_ATTRIBUTES,
})
"""Operations that only read state and never wait (Get-Notifications can wait, so it is not one): on
printers whose backend reads locally (:attr:`Backend.local_reads`) they cost CPU only, so a server may run
them on its event loop instead of handing them to a thread (:mod:`ipp_wsgi.worker`)."""


def operation(code: int, target: Target, *needs: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of operation ``code``."""

    def register(handler: Handler) -> Handler:
        OPERATIONS[code] = Operation(code, handler, target, needs)
        return handler

    return register


def offered(backends: Iterable[Backend]) -> frozenset[int]:
    """The operation-ids some of ``backends`` can carry out."""
    listed = list(backends)
    return frozenset(code for code, op in OPERATIONS.items() if any(op.offered_by(b) for b in listed))


_MEMO_MAX = 1024
"""Entries kept in ``Service.derived`` by :func:`enabled_operations` (the path is the client's to choose)."""


def enabled_operations(service: Service, printer: PrinterEntry | None, path: str) -> frozenset[int]:
    """The operation-ids that ``printer`` (every printer when None) offers and the policy enables at
    ``path``; worked out once per printer and path, since backends and policy are fixed for the service's
    life."""
    key = ("enabled-operations", printer.name if printer is not None else "", path)
    found: frozenset[int] | None = service.derived.get(key)
    if found is None:
        backends = [printer.backend] if printer is not None else service.backends
        found = service.policy.enabled(path, offered(backends))
        if len(service.derived) < _MEMO_MAX:
            service.derived[key] = found
    return found


def operations_supported(call: Call, printer: PrinterEntry) -> list[int]:
    """operations-supported of ``printer`` at the request path: offered by its backend and enabled there."""
    return sorted(enabled_operations(call.service, printer, call.context.path))
