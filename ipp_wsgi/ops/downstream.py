"""What an embedded printer with an ``ipp`` output says it can print: what the printer it prints on says.

Its document formats, color, sides and media (sizes, ready, sources, types) and raster resolutions come
from the downstream printer's Get-Printer-Attributes (:func:`described_by`), asked in a thread of its own
when the service starts and every :data:`REFRESH_SECONDS` after (:class:`DownstreamRefresh`). Until the
printer first answers, and whatever it leaves out, the configuration's description stands; a printer that
stops answering keeps what it last said. Every client, the DNS-SD records included, then sees one
description: the printer entry's (:attr:`~ipp_wsgi.ops.service.PrinterEntry.static`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ipp_wsgi.backends.embedded.delivery import DeliveryError
from ipp_wsgi.backends.embedded.outputs_ipp import printer_capabilities
from ipp_wsgi.codec import AttributeGroup, Resolution
from ipp_wsgi.codec.encoder import pre_encoded
from ipp_wsgi.ops.printer_description import PrinterDescription, build_description, media_size

log = logging.getLogger(__name__)

REFRESH_SECONDS = 300.0
"""How often the downstream printer is asked again (its media may change: a tray loaded)."""
RETRY_SECONDS = 30.0
"""How soon after a failed question it is asked again."""
_SIDES = frozenset({"one-sided", "two-sided-long-edge", "two-sided-short-edge"})
_DPI = 3

Fetch = Callable[[], AttributeGroup]
"""Asks the downstream printer (raises :class:`DeliveryError` when it cannot be asked)."""


def _strings(group: AttributeGroup, name: str) -> list[str]:
    return [value for value in group.get(name) or () if isinstance(value, str) and value]


def _sized(media: str) -> bool:
    try:
        media_size(media)
    except ValueError:
        return False
    return not media.startswith("custom_")  # custom_min_/custom_max_: a range, not a size to list


def _default(configured: str, said: Any, listed: list[str]) -> str:
    """The configured default when the printer lists it, else the printer's own, else its first value."""
    if configured in listed:
        return configured
    return said if isinstance(said, str) and said in listed else listed[0]


def described_by(description: PrinterDescription, downstream: AttributeGroup) -> PrinterDescription:
    """``description`` with what ``downstream`` (a printer's Get-Printer-Attributes answer) says of its
    document formats, color, sides, media and raster resolutions; each one the printer does not say
    usably stays as configured."""
    changes: dict[str, Any] = {}
    formats = _strings(downstream, "document-format-supported")
    if formats:
        changes["document_formats"] = tuple(formats)
        changes["document_format_default"] = _default(description.document_format_default,
                                                      downstream.value("document-format-default"), formats)
    color = downstream.value("color-supported")
    if isinstance(color, bool):
        changes["color"] = color
    sides = [s for s in _strings(downstream, "sides-supported") if s in _SIDES]
    if sides:
        changes["sides"] = tuple(sides)
        said = downstream.value("sides-default")
        changes["sides_default"] = _default(description.sides_default, said, sides)
    media = [m for m in _strings(downstream, "media-supported") if _sized(m)]
    if media:
        changes["media"] = tuple(media)
        said = downstream.value("media-default")
        changes["media_default"] = _default(description.media_default, said, media)
        ready = [m for m in _strings(downstream, "media-ready") if m in media]
        changes["media_ready"] = tuple(ready or [changes["media_default"]])
    for name, field in (("media-source-supported", "media_sources"), ("media-type-supported", "media_types")):
        listed = _strings(downstream, name)
        if listed:
            changes[field] = tuple(listed)
    resolutions = sorted({r.xres for r in downstream.get("pwg-raster-document-resolution-supported") or ()
                          if isinstance(r, Resolution) and r.units == _DPI and r.xres == r.yres > 0})
    if resolutions:
        changes["resolutions"] = tuple(resolutions)
    return replace(description, **changes)


class DownstreamRefresh:
    """Keeps the description of printer ``name`` (configured as ``description``) what its downstream
    printer says (``fetch``), calling ``publish`` with each new description group (encoded once)."""

    def __init__(self, name: str, description: PrinterDescription, fetch: Fetch,
                 publish: Callable[[AttributeGroup], None], refresh_seconds: float = REFRESH_SECONDS,
                 retry_seconds: float = RETRY_SECONDS) -> None:
        self.name = name
        self._configured = description
        self._fetch = fetch
        self._publish = publish
        self._refresh_seconds = refresh_seconds
        self._retry_seconds = retry_seconds
        self._stop = threading.Event()
        self._last: PrinterDescription | None = None
        self._failing = False
        self._thread = threading.Thread(target=self._run, name=f"ipp-wsgi-downstream-{name}", daemon=True)

    def start(self) -> DownstreamRefresh:
        """Ask at once, then every ``refresh_seconds``, in a daemon thread."""
        self._thread.start()
        return self

    def refresh(self) -> bool:
        """Ask the downstream printer once and publish what it says, if that changed; whether it answered."""
        try:
            downstream = self._fetch()
        except DeliveryError as exc:
            if not self._failing:
                log.warning("printer %s: its downstream printer does not describe itself (%s): advertising "
                            "%s", self.name, exc, "what it said last" if self._last else "the configuration")
            self._failing = True
            return False
        described = described_by(self._configured, downstream)
        if self._failing or self._last is None:
            log.info("printer %s: capabilities from its downstream printer (%d document formats, %d media)",
                     self.name, len(described.document_formats), len(described.media))
        self._failing = False
        if described != self._last:
            self._last = described
            self._publish(AttributeGroup(pre_encoded(build_description(self.name, described).attributes())))
        return True

    def _run(self) -> None:
        delay = 0.0
        while not self._stop.wait(delay):
            delay = self._refresh_seconds if self.refresh() else self._retry_seconds

    def stop(self) -> None:
        """Stop asking (the thread ends within its current question)."""
        self._stop.set()


def ipp_output_fetch(device_uri: str, timeout: float) -> Fetch:
    """The :data:`Fetch` of an ``ipp`` output at ``device_uri``."""
    return lambda: printer_capabilities(device_uri, timeout)
