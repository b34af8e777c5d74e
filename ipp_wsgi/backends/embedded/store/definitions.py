"""Every host of one store serves the same printers: each embedded printer's definition, as the first host
to start wrote it, is kept in the store (a canonical JSON object, :func:`canonical`), and a host checks its
own against it before it starts (:func:`reconcile`).

A disagreement is refused (:class:`DefinitionConflict`) only while another process holds an unexpired
printing lease (:mod:`~ipp_wsgi.backends.embedded.printing_lease`): a live host that serves the old
definitions. Otherwise the configuration was changed and the installation restarted (the usual case of a
SQLite spool, which belongs to one installation): the new definitions replace the stored ones, and a
printer no longer configured loses its definition (its jobs and state stay).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from ipp_wsgi.backends.embedded.store.base import Store

log = logging.getLogger(__name__)


class DefinitionConflict(ValueError):
    """This host's printers differ from those another live host of the store serves (the message names the
    printer and the first field that differs)."""


def canonical(definition: Mapping[str, Any]) -> str:
    """The canonical JSON of a definition (sorted keys, no spaces): equal definitions, equal text."""
    return json.dumps(definition, sort_keys=True, separators=(",", ":"), default=str)


def reconcile(store: Store, definitions: Mapping[str, str], now: float) -> list[str]:
    """Check ``definitions`` (printer name -> :func:`canonical` JSON) against ``store``'s, in one write:
    :class:`DefinitionConflict` for the first difference while another host is live; else the store's are
    made these (new printers added); the changes replaced, as log lines (also logged)."""
    with store.write() as tx:
        stored = tx.printer_definitions()
        changed = sorted(name for name in set(stored) | set(definitions)
                         if stored.get(name) != definitions.get(name))
        replaced = [name for name in changed if name in stored]
        if replaced and tx.live_lease_holders(now):
            first = replaced[0]
            raise DefinitionConflict(_difference(first, definitions.get(first), stored[first]))
        for name in changed:
            tx.set_printer_definition(name, definitions.get(name))
    lines = [f"printer {name}: the definition in the job store replaced by this host's configuration"
             if name in definitions else f"printer {name}: removed from the job store (not configured here)"
             for name in replaced]
    for line in lines:
        log.warning("%s", line)
    return lines


def _difference(printer: str, here: str | None, there: str) -> str:
    """The line that names the first field of ``printer`` that differs."""
    suffix = "(another host's configuration): every host of one store must serve the same printers"
    if here is None:
        return f"printer {printer}: not configured here but served from the job store {suffix}"
    ours, theirs = json.loads(here), json.loads(there)
    field = next(key for key in sorted(set(ours) | set(theirs)) if ours.get(key) != theirs.get(key))
    return (f"printer {printer}: {field} is {_shown(ours.get(field))} here but {_shown(theirs.get(field))}"
            f" in the job store {suffix}")


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)
