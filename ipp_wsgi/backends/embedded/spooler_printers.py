"""The embedded spooler's printer operations: attributes and status, pausing, accepting, holding new jobs,
purging, shutting down and restarting (:class:`PrinterOperations`, a part of
:class:`~.spooler.EmbeddedSpooler`).

Times (the ``printer-*-time`` attributes) are Unix times, as in CUPS: ``printer-up-time`` is the current
Unix time so that every ``*-time`` attribute shares its clock.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Hashable, Sequence

from ipp_wsgi.backends.base import JOB_PENDING_HELD, BackendError
from ipp_wsgi.backends.embedded import events as events_
from ipp_wsgi.backends.embedded.job_limits import SPOOL_AREA_FULL
from ipp_wsgi.backends.embedded.job_states import WHICH_JOBS, hold_state, requeue_printing
from ipp_wsgi.backends.embedded.printer_status import printer_status
from ipp_wsgi.backends.embedded.spooler_core import SpoolerCore
from ipp_wsgi.codec import DELETE_ATTRIBUTE, Attribute, AttributeGroup, status, tags
from ipp_wsgi.codec.encoder import pre_encoded

log = logging.getLogger(__name__)

SETTABLE_PRINTER_ATTRIBUTES: dict[str, int] = {
    "printer-info": tags.TEXT_WITHOUT_LANGUAGE,
    "printer-location": tags.TEXT_WITHOUT_LANGUAGE,
    "printer-organization": tags.TEXT_WITHOUT_LANGUAGE,
    "printer-organizational-unit": tags.TEXT_WITHOUT_LANGUAGE,
    "printer-geo-location": tags.URI,
    "printer-message-from-operator": tags.TEXT_WITHOUT_LANGUAGE,
}
"""Printer attributes Set-Printer-Attributes may change, with their value tags."""


class PrinterOperations(SpoolerCore):
    """Printers: their attributes and status, and the operator's printer operations."""

    _state_cache: dict[tuple[int, str], tuple[Hashable, list[Attribute]]]
    """(thread, printer): the store's version when this thread last built the printer's state attributes,
    and those attributes."""

    def printers(self) -> Sequence[str]:
        """The configured printer names."""
        return list(self._printers)

    def printer_attributes(self, printer: str) -> AttributeGroup:
        """The configured description, Set-Printer-Attributes changes and the current status (a new group)."""
        config = self._printer(printer)
        # A new group over the shared, never-modified description attributes: no per-request deep copy.
        group = AttributeGroup(config.description.attributes())
        for attribute in self._state_attributes(printer):
            group.append(attribute)
        group.add("printer-up-time", int(time.time()), tag=tags.INTEGER)
        return group

    def printer_status(self, printer: str) -> Sequence[Attribute]:
        """Set-Printer-Attributes changes, status, notify capabilities and the printer-uuid the store keeps:
        the same list while unchanged."""
        self._printer(printer)
        return self._state_attributes(printer)

    def _state_attributes(self, printer: str) -> list[Attribute]:
        """Set-Printer-Attributes changes, status and notify capabilities, encoded once: built again only
        when the store changed since this thread last built them (:meth:`.Store.version`), or when the
        status depends on the free disk space."""
        version = self._store.version()
        key = (threading.get_ident(), printer)
        cached = self._state_cache.get(key)
        if cached is not None and cached[0] == version and self._limits.min_free_bytes is None:
            return cached[1]
        with self._store.read() as tx:
            record = tx.printer(printer)
            assert record is not None
            current = printer_status(tx, printer, record)
            if self._limits.spool_full(tx, self._spool_dir):
                reasons = tuple(r for r in current.reasons if r != "none")
                current = dataclasses.replace(current, reasons=(*reasons, SPOOL_AREA_FULL))
        group = record.overrides()
        current.add_to(group)
        group.add("queued-job-count", current.queued, tag=tags.INTEGER)
        for attribute in events_.capabilities(self.event_life).attributes():
            group.append(attribute)
        group.add("printer-state-change-time", int(record.state_change), tag=tags.INTEGER)
        group.add("printer-config-change-time", int(record.config_change), tag=tags.INTEGER)
        group.add("printer-uuid", record.uuid, tag=tags.URI)
        attributes: list[Attribute] = [*pre_encoded(group.attributes())]
        self._state_cache[key] = (version, attributes)
        return attributes

    def set_printer_attributes(self, printer: str, attributes: AttributeGroup) -> None:
        """Change printer-info, -location, -organization, -organizational-unit or -geo-location.

        Any other attribute: client-error-attributes-not-settable, and nothing changes. The out-of-band
        ``delete-attribute`` value returns an attribute to its configured value.
        """
        self._printer(printer)
        refused = [name for name in attributes if name not in SETTABLE_PRINTER_ATTRIBUTES]
        if refused:
            raise BackendError(status.CLIENT_ERROR_ATTRIBUTES_NOT_SETTABLE,
                               f"not settable: {', '.join(refused)}")
        with self._store.write() as tx:
            record = tx.printer(printer, for_update=True)
            assert record is not None
            overrides = record.overrides()
            for attribute in attributes.attributes():
                if attribute.value is DELETE_ATTRIBUTE:
                    overrides.pop(attribute.name)
                else:
                    tag = SETTABLE_PRINTER_ATTRIBUTES[attribute.name]
                    overrides.add(attribute.name, list(attribute.values), tag=tag)
            tx.update_printer(printer, overrides=overrides, config_change=time.time())

    def pause_printer(self, printer: str) -> None:
        """Stop starting jobs (a job printing now finishes); printer-state stopped."""
        self._set_printer_flag(printer, "paused", True)

    def resume_printer(self, printer: str) -> None:
        """Start printing queued jobs again."""
        self._set_printer_flag(printer, "paused", False)
        self._processor.wake()

    def enable_printer(self, printer: str) -> None:
        """Accept new jobs."""
        self._set_printer_flag(printer, "accepting", True)

    def disable_printer(self, printer: str) -> None:
        """Refuse new jobs (server-error-not-accepting-jobs); queued jobs still print."""
        self._set_printer_flag(printer, "accepting", False)

    def hold_new_jobs(self, printer: str) -> None:
        """Hold every job created from now on (job-held-for-release) until Release-Held-New-Jobs."""
        self._set_printer_flag(printer, "hold_new", True)

    def release_held_new_jobs(self, printer: str) -> None:
        """Stop holding new jobs and release those held so far."""
        self._printer(printer)
        with self._store.write() as tx:
            for job in tx.select_jobs((JOB_PENDING_HELD,), printer=printer, held_new=True):
                state, reasons = hold_state(AttributeGroup(), False, job.closed)
                tx.update_job(job.job_id, before=job, held_new=False, state=state, reasons=reasons)
            tx.update_printer(printer, hold_new=False, state_change=time.time())
        self._processor.wake()

    def purge_jobs(self, printer: str) -> None:
        """Delete every job of ``printer`` (a job printing is stopped) and its documents."""
        self._printer(printer)
        with self._store.write() as tx:
            tx.delete_jobs([job.job_id for job in tx.select_jobs(WHICH_JOBS["all"], printer=printer)])

    def identify_printer(self, printer: str, actions: Sequence[str], message: str) -> None:
        """Record and log the request: the embedded printer has no device to flash or beep."""
        self._printer(printer)
        with self._store.write() as tx:
            tx.update_printer(printer, identified=time.time(), identify_message=message)
        # %r: the message is any client's text, its newlines and control characters must not forge log lines
        log.info("identify printer %s %r: %r", printer, list(actions), message)

    def shutdown_printer(self, printer: str) -> None:
        """Take the printer out of service until Startup-Printer: it stops printing (a job printing goes
        back to the queue) and accepting jobs; printer-state stopped with ``shutdown``."""
        self._printer(printer)
        now = time.time()
        with self._store.write() as tx:
            requeue_printing(tx, printer, "The printer was shut down: the job prints again at startup.")
            tx.update_printer(printer, shutdown=True, state_change=now)
            events_.record(tx, "printer-shutdown", printer, None, f"Printer {printer} was shut down.", now)

    def startup_printer(self, printer: str) -> None:
        """Bring a shut-down printer back into service (nothing changes for one that is not shut down)."""
        self._printer(printer)
        with self._store.write() as tx:
            record = tx.printer(printer, for_update=True)
            if record is not None and record.shutdown:
                tx.update_printer(printer, shutdown=False, state_change=time.time())
        self._processor.wake()

    def restart_printer(self, printer: str) -> None:
        """Re-initialise the printer: a job printing goes back to the queue and prints again; queued jobs,
        pause and accepting state are kept. A shut-down printer: client-error-not-possible."""
        self._printer(printer)
        now = time.time()
        with self._store.write() as tx:
            record = tx.printer(printer, for_update=True)
            if record is None or record.shutdown:
                raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, "the printer is shut down: start it up")
            requeue_printing(tx, printer, "The printer restarted: the job prints again.")
            tx.update_printer(printer, state_change=now)
            events_.record(tx, "printer-restarted", printer, None, f"Printer {printer} restarted.", now)
        self._processor.wake()

    def _set_printer_flag(self, printer: str, flag: str, value: bool) -> None:
        """Set ``paused``, ``accepting`` or ``hold_new`` of ``printer``: a printer state change."""
        self._printer(printer)
        now = time.time()
        with self._store.write() as tx:
            if flag == "paused":
                tx.update_printer(printer, paused=value, state_change=now)
            elif flag == "accepting":
                tx.update_printer(printer, accepting=value, state_change=now)
            else:
                tx.update_printer(printer, hold_new=value, state_change=now)
