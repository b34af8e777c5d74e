"""CUPS's own client commands (lp, lpstat, cancel) against ``ipp-wsgi serve`` under gunicorn.

They expect a CUPS *server*: they POST to ``/`` (Cancel-Jobs to ``/admin/``), name the printer
``ipp://localhost:PORT/printers/print``, ask CUPS-Get-Default and CUPS-Get-Printers, send
``Expect: 100-continue`` and stream documents chunked.
"""

from __future__ import annotations

import re
import socket
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from harness import IppServer, require_tool, wait_for
from harness.processes import processes_with_argument
from harness.waiting import WAIT_SECONDS
from test_app import ipp_request

from ipp_wsgi.codec import encode, operations

# A printer whose jobs stay "processing" until the gate file exists, then copy the document to
# OUT/<job-id>. The loop ends when its server process is gone (kill -9), so no orphan prints later.
GATED_PRINTER = """
[[printers]]
name = "print"
output = "command"
command = ["sh", "-c", '''
while [ ! -e "$0" ]; do kill -0 $PPID 2>/dev/null || exit 1; sleep 0.1; done
cat > "$1/$IPP_JOB_ID.tmp" && mv "$1/$IPP_JOB_ID.tmp" "$1/$IPP_JOB_ID"
''', "{gate}", "{out}"]
"""


class GatedPrinter:
    """A configuration file with :data:`GATED_PRINTER`; :meth:`open` lets its jobs finish."""

    def __init__(self, root: Path) -> None:
        self.gate = root / "gate"
        self.out = root / "out"
        self.out.mkdir(parents=True)
        self.config = root / "gated.toml"
        text = GATED_PRINTER.replace("{gate}", str(self.gate)).replace("{out}", str(self.out))
        self.config.write_text(text)

    def open(self) -> None:
        self.gate.touch()

    def commands_running(self) -> int:
        """How many of this printer's commands are running (from /proc)."""
        return processes_with_argument(str(self.gate))


def cups(server: IppServer, tool: str, *args: str) -> str:
    """Run ``tool -h 127.0.0.1:PORT ARGS`` (lp, lpstat, cancel); its stdout, failing on a non-zero exit."""
    done = subprocess.run([require_tool(tool), "-h", f"127.0.0.1:{server.port}", *args], capture_output=True,
                          text=True, timeout=WAIT_SECONDS, check=False)
    command = f"{tool} {' '.join(args)}"
    assert done.returncode == 0, f"{command} exited {done.returncode}: {done.stdout}{done.stderr}"
    return done.stdout


def lp(server: IppServer, document: Path) -> int:
    """Print ``document`` with ``lp -d print``; the job-id."""
    match = re.search(r"request id is print-(\d+)", cups(server, "lp", "-d", "print", str(document)))
    assert match, "lp did not report a job"
    return int(match.group(1))


def listed_jobs(server: IppServer, *which: str) -> set[int]:
    """The job-ids ``lpstat -o`` shows (``which``: e.g. ``-W``, ``completed``)."""
    return {int(m) for m in re.findall(r"^print-(\d+)\s", cups(server, "lpstat", *which, "-o"), re.MULTILINE)}


def output_of(server: IppServer, job_id: int) -> Path | None:
    """The file the default (directory) output wrote for ``job_id``'s document, once it exists."""
    found = sorted((server.spool_dir / "output" / "print").glob(f"{job_id}-1*"))
    return found[0] if found else None


@pytest.fixture
def document(tmp_path: Path) -> Path:
    path = tmp_path / "document.bin"
    path.write_bytes(bytes(range(256)) * 4096 + b"end of document\n")  # ~1 MiB: several 8 KiB chunks
    return path


@pytest.fixture
def gated(tmp_path: Path) -> GatedPrinter:
    return GatedPrinter(tmp_path / "gated")


def test_lp_prints_the_document(ipp_server: IppServer, document: Path) -> None:
    job_id = lp(ipp_server, document)
    wait_for(f"the output of job {job_id}", lambda: output_of(ipp_server, job_id) is not None)
    output = output_of(ipp_server, job_id)
    assert output is not None and output.read_bytes() == document.read_bytes()
    wait_for(f"job {job_id} to complete", lambda: job_id in listed_jobs(ipp_server, "-W", "completed"))


def test_lpstat_shows_the_printer(ipp_server: IppServer) -> None:
    out = cups(ipp_server, "lpstat", "-p", "-d")
    assert re.search(r"^printer print is idle\.\s+enabled", out, re.MULTILINE), out
    assert "system default destination: print" in out


def test_lpstat_lists_cancel_cancels(ipp_server_factory: Callable[..., IppServer], gated: GatedPrinter,
                                     document: Path) -> None:
    server = ipp_server_factory(config=gated.config)
    jobs = [lp(server, document) for _ in range(3)]
    assert listed_jobs(server) == set(jobs)
    wait_for("a job to start printing", lambda: gated.commands_running() > 0)

    cups(server, "cancel", str(jobs[0]))
    wait_for("the canceled job to leave the queue", lambda: listed_jobs(server) == set(jobs[1:]))
    assert jobs[0] in listed_jobs(server, "-W", "completed")

    cups(server, "cancel", "-a")
    wait_for("cancel -a to empty the queue", lambda: listed_jobs(server) == set())
    assert set(jobs) <= listed_jobs(server, "-W", "completed")
    wait_for("the canceled jobs' commands to be stopped", lambda: gated.commands_running() == 0)
    gated.open()
    last = lp(server, document)
    wait_for(f"job {last} to print", lambda: (gated.out / str(last)).exists())
    assert [path.name for path in gated.out.iterdir()] == [str(last)]
    assert (gated.out / str(last)).read_bytes() == document.read_bytes()


def test_100_continue_comes_before_the_document(ipp_server: IppServer) -> None:
    # What libcups does: headers with Expect: 100-continue and the attributes at once, then it waits
    # (up to 1 s) for "100 Continue" before streaming the document chunked.
    request = encode(ipp_request(operations.PRINT_JOB, f"ipp://localhost:{ipp_server.port}/printers/print"))
    with socket.create_connection(("127.0.0.1", ipp_server.port), timeout=WAIT_SECONDS) as conn:
        conn.sendall(
            f"POST / HTTP/1.1\r\nHost: localhost:{ipp_server.port}\r\nContent-Type: application/ipp\r\n"
            "Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n".encode()
            + b"%x\r\n%s\r\n" % (len(request), request)
        )
        reader = conn.makefile("rb")
        assert reader.readline() == b"HTTP/1.1 100 Continue\r\n"
        assert reader.readline() == b"\r\n"
        conn.sendall(b"5\r\nhello\r\n0\r\n\r\n")
        assert reader.readline().startswith(b"HTTP/1.1 200 ")


@pytest.mark.parametrize("option", ["-t", "-s", "-c"])
def test_lpstat_summaries_work(ipp_server: IppServer, option: str) -> None:
    """They ask CUPS-Get-Classes without a printer-uri: answered as by a cupsd without classes."""
    out = cups(ipp_server, "lpstat", option)
    assert "version=1.1" not in out
    if option != "-c":
        assert "print" in out


def test_lp_to_a_printer_configured_without_its_cups_path(ipp_server_factory: Callable[..., IppServer],
                                                          tmp_path: Path) -> None:
    """lp -h SERVER -d NAME sends the document to /printers/NAME: every printer answers there, raw too."""
    out = tmp_path / "out"
    config = tmp_path / "office.toml"
    config.write_text(f'[[printers]]\nname = "office"\npaths = ["/ipp/office"]\noutput_dir = "{out}"\n')
    server = ipp_server_factory(config)
    document = tmp_path / "raw.bin"
    document.write_bytes(b"\x1b%-12345X raw bytes\n")
    for args in ([], ["-o", "raw"]):
        printed = cups(server, "lp", "-d", "office", *args, str(document))
        assert re.search(r"request id is office-\d+", printed), printed
    wait_for("both documents", lambda: len(list(out.glob("*"))) == 2)
    assert {path.read_bytes() for path in out.glob("*")} == {document.read_bytes()}
