"""The configuration of one printer of the embedded spooler."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ipp_wsgi.codec import AttributeGroup

OUTPUT_DIRECTORY = "directory"
OUTPUT_COMMAND = "command"


@dataclass(frozen=True)
class EmbeddedPrinter:
    """A printer: its name, static description attributes and where finished documents go.

    ``output`` is ``"directory"`` (documents copied to ``output_dir``, by default
    ``<spool_dir>/output/<name>/``, as ``<job-id>-<document-number>[.ext]``) or ``"command"`` (each
    document piped to the stdin of ``command``, an argv run without a shell; exit status 0 completes the
    job, anything else aborts it). The spooler adds the status attributes to ``description``.
    """

    name: str
    description: AttributeGroup = field(default_factory=AttributeGroup)
    output: str = OUTPUT_DIRECTORY
    output_dir: Path | None = None
    command: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.output not in (OUTPUT_DIRECTORY, OUTPUT_COMMAND):
            raise ValueError(f"printer {self.name!r}: output must be 'directory' or 'command'")
        if self.output == OUTPUT_COMMAND and not self.command:
            raise ValueError(f"printer {self.name!r}: output 'command' needs a command")
