"""What an embedded spooler's spool directory keeps, seen from outside: the document files of ``docs/`` and
the small documents its database holds."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

_DATABASE = "jobs.sqlite3"


def kept_documents(spool_dir: Path) -> dict[str, bytes]:
    """Every document the spool keeps, by ``<job-id>-<number>``: files and database rows alike."""
    docs = spool_dir / "docs"
    kept = {path.name: path.read_bytes() for path in docs.iterdir()} if docs.is_dir() else {}
    if (spool_dir / _DATABASE).exists():
        with closing(sqlite3.connect(spool_dir / _DATABASE)) as db:
            try:
                rows = db.execute("SELECT job_id, number, data FROM document_data").fetchall()
            except sqlite3.OperationalError:  # a database the spooler never opened
                rows = []
        kept.update({f"{job_id}-{number}": bytes(data) for job_id, number, data in rows})
    return kept


def forget_documents(spool_dir: Path) -> None:
    """Remove every kept document, as if lost: the files, and the database's rows."""
    for path in (spool_dir / "docs").iterdir():
        path.unlink()
    with closing(sqlite3.connect(spool_dir / _DATABASE)) as db, db:
        db.execute("DELETE FROM document_data")
