"""What each printer's device (a network output, or a local device that failed) is doing, shared by every
process of a spool directory.

The processing thread that talks to a device records its printer-state-reasons (``connecting-to-device``,
``offline-report``) and a message in the ``device_status`` table of the job store, so that whichever
process answers Get-Printer-Attributes can report them.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence

_SCHEMA = """CREATE TABLE IF NOT EXISTS device_status (
    printer TEXT PRIMARY KEY,
    reasons TEXT NOT NULL,
    message TEXT NOT NULL,
    changed REAL NOT NULL
)"""


def ensure_table(db: sqlite3.Connection) -> None:
    """Create the table if the store has none yet."""
    db.execute(_SCHEMA)


def set_device_status(db: sqlite3.Connection, printer: str, reasons: Sequence[str], message: str) -> None:
    """Record the device state of ``printer`` (``reasons`` empty: nothing to report)."""
    db.execute("INSERT INTO device_status (printer, reasons, message, changed) VALUES (?, ?, ?, ?)"
               " ON CONFLICT (printer) DO UPDATE SET reasons = excluded.reasons, message = excluded.message,"
               " changed = excluded.changed", (printer, json.dumps(list(reasons)), message, time.time()))


def device_status(db: sqlite3.Connection, printer: str) -> tuple[list[str], str]:
    """The printer-state-reasons and message last recorded for ``printer``'s device (``[]``, ``""``: none)."""
    try:
        row = db.execute("SELECT reasons, message FROM device_status WHERE printer = ?",
                         (printer,)).fetchone()
    except sqlite3.OperationalError:  # no processor has created the table yet
        return [], ""
    if row is None:
        return [], ""
    reasons: list[str] = json.loads(row[0])
    return reasons, str(row[1])
