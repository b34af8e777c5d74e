"""The shared test harness: real servers and CUPS tools for integration tests.

Fixtures live in ``tests/conftest.py``; this package holds the machinery they use:

- :mod:`.tools`: ``require_tool`` (skip locally, fail in CI when a program is missing);
- :mod:`.processes`: free ports, processes stopped by PID/process group, logs;
- :mod:`.servers`: ipp-wsgi under gunicorn (``IppServer``);
- :mod:`.ipptool`: running ``ipptool -t`` and asserting on its verdicts;
- :mod:`.documents`: sample documents made with ghostscript and the ipptool suite directory;
- :mod:`.selfcert`: the PWG's self-certification files made runnable with ipptool 2.4, and its DNS-SD
  script's results;
- :mod:`.cupsd`: a private cupsd; :mod:`.avahi`: private dbus + avahi and ippeveprinter;
- :mod:`.logs`: server logs attached to failing tests;
- :mod:`.waiting`: ``wait_for``, polling until something holds.
- :mod:`.spool`: embedded spoolers on the store a test runs against, and the documents a store keeps.
- :mod:`.postgres`: a throw-away PostgreSQL server (``initdb`` in a temp dir, a free loopback port).
- :mod:`.cluster`: several ``ipp-wsgi serve`` hosts on one job store, nginx round-robin in front, a
  printer that records each delivery.
- :mod:`.scripts`: the project's scripts (benchmarks/, tools/) imported as modules.
"""

from .avahi import Ippeveprinter, PrivateDnssd
from .cupsd import PrivateCupsd
from .documents import SampleDocuments, Suite
from .ipptool import Ipptool, IpptoolResult, Transcript, Verdict, assert_ipptool_passed, parse_transcript
from .logs import attach_log, attach_logs
from .postgres import PrivatePostgres, postgres_bin_dir
from .processes import ManagedProcess, ServerStartError, free_port
from .servers import IppServer
from .tools import in_ci, require, require_tool
from .waiting import wait_for

__all__ = [
    "IppServer",
    "Ippeveprinter",
    "Ipptool",
    "IpptoolResult",
    "ManagedProcess",
    "PrivateCupsd",
    "PrivateDnssd",
    "PrivatePostgres",
    "SampleDocuments",
    "ServerStartError",
    "Suite",
    "Transcript",
    "Verdict",
    "assert_ipptool_passed",
    "attach_log",
    "attach_logs",
    "free_port",
    "in_ci",
    "parse_transcript",
    "postgres_bin_dir",
    "require",
    "require_tool",
    "wait_for",
]
