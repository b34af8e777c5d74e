"""The printers' definitions every host of a store must agree on (:mod:`.definitions`): the SQL queries
both SQL stores share, on the table ``printer_definitions`` (printer, canonical JSON)."""

from __future__ import annotations

from ipp_wsgi.backends.embedded.store.sql_db import SqlQueries


class DefinitionQueries(SqlQueries):
    """The stored printer definitions, and whether another process holds a printing lease."""

    def printer_definitions(self) -> dict[str, str]:
        return {str(row[0]): str(row[1])
                for row in self.db.execute("SELECT printer, definition FROM printer_definitions")}

    def set_printer_definition(self, printer: str, definition: str | None) -> None:
        if definition is None:
            self.db.execute("DELETE FROM printer_definitions WHERE printer = ?", (printer,))
            return
        self.db.execute("INSERT INTO printer_definitions (printer, definition) VALUES (?, ?)"
                        " ON CONFLICT (printer) DO UPDATE SET definition = excluded.definition",
                        (printer, definition))

    def live_lease_holders(self, now: float) -> list[str]:
        return [str(row[0]) for row in self.db.execute(
            "SELECT DISTINCT holder FROM printer_leases WHERE holder IS NOT NULL AND expires > ?", (now,))]
