"""The configuration of one printer of the embedded spooler."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ipp_wsgi.backends.embedded.outputs_file import file_path
from ipp_wsgi.codec import AttributeGroup

OUTPUT_DIRECTORY = "directory"
OUTPUT_COMMAND = "command"
OUTPUT_SOCKET = "socket"
OUTPUT_LPD = "lpd"
OUTPUT_IPP = "ipp"
OUTPUT_FILE = "file"
OUTPUTS = (OUTPUT_DIRECTORY, OUTPUT_FILE, OUTPUT_COMMAND, OUTPUT_SOCKET, OUTPUT_LPD, OUTPUT_IPP)
DEVICE_SCHEMES: dict[str, tuple[str, ...]] = {
    OUTPUT_SOCKET: ("socket",),
    OUTPUT_LPD: ("lpd",),
    OUTPUT_IPP: ("ipp", "ipps"),
}
"""The device-uri schemes each network output accepts."""

DEVICE_KEYS = ("device_uri", "device_timeout", "retries", "retry_delay", "retry_delay_max")
"""The printer table keys :func:`device_options` reads."""

COMMAND_KEYS = ("device_timeout",)
"""The keys of :data:`DEVICE_KEYS` a ``command`` output takes: its time limit."""

FILE_KEYS = ("device_uri", "retries", "retry_delay", "retry_delay_max")
"""The keys of :data:`DEVICE_KEYS` a ``file`` output takes (a local device has no time limit)."""

DEVICE_TIMEOUT = 30.0
"""Default seconds a network output waits for any one connect, send or answer."""

COMMAND_TIMEOUT = 3600.0
"""Default seconds a ``command`` output may take for one document before it is killed."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a network output is tried before its job is aborted.

    ``attempts`` counts every try (1: no retry); the n-th retry waits ``delay * 2**(n-1)`` seconds, at
    most ``max_delay``.
    """

    attempts: int = 5
    delay: float = 5.0
    max_delay: float = 300.0

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.delay < 0 or self.max_delay < 0:
            raise ValueError("retries and retry delays must not be negative")

    def delay_before(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (1-based)."""
        return float(min(self.max_delay, self.delay * 2 ** (retry - 1)))


@dataclass(frozen=True)
class EmbeddedPrinter:
    """A printer: its name, static description attributes and where finished documents go.

    ``output`` is one of:

    - ``"directory"``: documents copied to ``output_dir``, by default ``<spool_dir>/output/<name>/``, as
      ``<job-id>-<document-number>[.ext]``;
    - ``"file"``: each document written to the device or file of ``device_uri`` ``file:///path``
      (:mod:`.outputs_file`), such as ``file:///dev/usb/lp0``; an absent or busy device is retried;
    - ``"command"``: each document piped to the stdin of ``command``, an argv run without a shell; exit
      status 0 completes the job, anything else aborts it; one that runs longer than ``device_timeout``
      seconds is killed (its whole process group) and the job aborted;
    - ``"socket"``: AppSocket/JetDirect, ``device_uri`` ``socket://host[:port]`` (port 9100 by default);
    - ``"lpd"``: RFC 1179, ``device_uri`` ``lpd://host[:port]/queue`` (port 515 by default);
    - ``"ipp"``: a network IPP printer, ``device_uri`` ``ipp://host[:port]/path`` or ``ipps://...``.

    Network outputs wait at most ``device_timeout`` seconds for any one connect, send or answer, and a
    failed delivery is tried again as ``retry`` says before the job is aborted. The spooler adds the
    status attributes to ``description``.
    """

    name: str
    description: AttributeGroup = field(default_factory=AttributeGroup)
    output: str = OUTPUT_DIRECTORY
    output_dir: Path | None = None
    command: tuple[str, ...] = ()
    device_uri: str = ""
    device_timeout: float = DEVICE_TIMEOUT
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    def __post_init__(self) -> None:
        if self.output not in OUTPUTS:
            raise ValueError(f"printer {self.name!r}: output must be one of {', '.join(OUTPUTS)}")
        if self.output == OUTPUT_COMMAND and not self.command:
            raise ValueError(f"printer {self.name!r}: output 'command' needs a command")
        try:
            if self.output in DEVICE_SCHEMES:
                check_device_uri(self.output, self.device_uri)
            elif self.output == OUTPUT_FILE:
                file_path(self.device_uri)
        except ValueError as exc:
            raise ValueError(f"printer {self.name!r}: {exc}") from None
        if self.device_timeout <= 0:
            raise ValueError(f"printer {self.name!r}: device_timeout must be positive")


def check_device_uri(output: str, uri: str) -> None:
    """Raise ValueError unless ``uri`` is a usable device-uri for the network ``output``."""
    schemes = DEVICE_SCHEMES[output]
    parts = urlsplit(uri)
    if parts.scheme not in schemes or not parts.hostname:
        examples = " or ".join(f"{scheme}://host" for scheme in schemes)
        raise ValueError(f"output {output!r} needs a device_uri {examples}")
    try:
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise ValueError(f"device_uri {uri!r} has a bad port") from None
    if output == OUTPUT_LPD and not parts.path.strip("/"):
        raise ValueError("an lpd device_uri names its queue: lpd://host/queue")


def device_options(values: Mapping[str, Any], output: str = OUTPUT_SOCKET) -> dict[str, Any]:
    """The :class:`EmbeddedPrinter` keyword arguments for the configuration keys :data:`DEVICE_KEYS`.

    ``retries`` is the number of tries after the first; ``retry_delay``/``retry_delay_max`` and
    ``device_timeout`` are seconds. Absent keys keep their defaults (``device_timeout``: that of
    ``output``, :data:`COMMAND_TIMEOUT` for a command); a wrong type or value raises ValueError.
    """
    base = RetryPolicy()
    uri = values.get("device_uri", "")
    if not isinstance(uri, str):
        raise ValueError("device_uri must be a string")
    retries = _number(values, "retries", base.attempts - 1, int)
    retry = RetryPolicy(attempts=int(retries) + 1, delay=_number(values, "retry_delay", base.delay),
                        max_delay=_number(values, "retry_delay_max", base.max_delay))
    default_timeout = COMMAND_TIMEOUT if output == OUTPUT_COMMAND else DEVICE_TIMEOUT
    timeout = _number(values, "device_timeout", default_timeout)
    if timeout <= 0:
        raise ValueError("device_timeout must be positive")
    return {"device_uri": uri, "device_timeout": timeout, "retry": retry}


def _number(values: Mapping[str, Any], key: str, default: float, kind: type = float) -> float:
    value = values.get(key, default)
    allowed = (int,) if kind is int else (int, float)
    if isinstance(value, bool) or not isinstance(value, allowed):
        raise ValueError(f"{key} must be {'an integer' if kind is int else 'a number'}")
    if value < 0:
        raise ValueError(f"{key} must not be negative")
    return float(value)
