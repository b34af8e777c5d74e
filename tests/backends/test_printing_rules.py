"""The two printing rules (issue 16), on every store, with real processes and real ``command`` outputs:

- a printer prints one job at a time, in queue order, however many printers and printing processes;
- a delivery left running by a spooler that died, or that was stopped past its printing lease, never
  prints beside its job's re-print: whoever prints the job again first kills it (on this machine), and a
  holder that finds its lease gone kills its own and changes nothing.

Each device is a command run in a session of its own (it survives its spooler, as a real one does) that
logs to ``<device>/log``: ``start PID JOB`` when it starts, ``tick PID`` every 50 ms while its gate is
closed, ``end PID JOB`` when it ends. Appends of one short line are atomic, so the log's order is the order
of events, and two deliveries overlap when one logs between the first and last line of the other.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path

import pytest
from harness.processes import group_members
from harness.spool import embedded_spooler, opened
from spooler_helpers import MakeSpooler, make_printer, submit, wait_until

from ipp_wsgi.backends.base import JOB_COMPLETED
from ipp_wsgi.backends.embedded import EmbeddedPrinter, EmbeddedSpooler
from ipp_wsgi.backends.embedded import printing_lease as printing_lease_module
from ipp_wsgi.backends.embedded import processes as processes_module
from ipp_wsgi.backends.embedded.store import Store

FORK = multiprocessing.get_context("fork")
_DEVICE = """
echo "start $$ $IPP_JOB_ID" >> "$0/log"
cat > /dev/null
while [ ! -e "$0/gate" ]; do echo "tick $$" >> "$0/log"; sleep 0.05; done
sleep 0.02
echo "end $$ $IPP_JOB_ID" >> "$0/log"
"""


class Device:
    """A printer named ``name`` whose device logs every delivery (see the module's docstring)."""

    def __init__(self, root: Path, name: str) -> None:
        self.name = name
        self.folder = root / name
        self.folder.mkdir(parents=True)
        self.printer: EmbeddedPrinter = make_printer(name, output="command",
                                                     command=("sh", "-c", _DEVICE, str(self.folder)))

    def open(self) -> None:
        """Let every delivery end."""
        (self.folder / "gate").touch()

    def lines(self) -> list[list[str]]:
        log = self.folder / "log"
        return [line.split() for line in log.read_text().splitlines()] if log.exists() else []

    def starts(self) -> list[tuple[int, int]]:
        """(pid, job-id) of each delivery, in the order they started."""
        return [(int(words[1]), int(words[2])) for words in self.lines() if words[0] == "start"]

    def overlaps(self) -> list[tuple[int, int]]:
        """The pairs of deliveries (pids) that ran at the same time."""
        spans: dict[int, list[int]] = {}
        for index, words in enumerate(self.lines()):
            spans.setdefault(int(words[1]), [index, index])[1] = index
        ordered = sorted(spans.items(), key=lambda item: item[1][0])
        return [(earlier[0], later[0]) for earlier, later in itertools.pairwise(ordered)
                if later[1][0] < earlier[1][1]]

    def ticks_of(self, pid: int) -> int:
        return sum(1 for words in self.lines() if words == ["tick", str(pid)])


def _completed(spooler: EmbeddedSpooler, *job_ids: int) -> bool:
    return all(spooler.get_job(None, job_id).state == JOB_COMPLETED for job_id in job_ids)


def test_a_printer_prints_one_job_at_a_time_in_queue_order(make_spooler: MakeSpooler, tmp_path: Path) -> None:
    devices = [Device(tmp_path, "left"), Device(tmp_path, "right")]
    printers = [device.printer for device in devices]
    submitter = make_spooler(printers, start=False)
    queued = {device.name: [submit(submitter, b"x", printer=device.name).job_id for _ in range(6)]
              for device in devices}
    for device in devices:
        submitter.promote_job(device.name, queued[device.name][-1])
        device.open()
    printing = [make_spooler(printers) for _ in range(2)]  # two processes of one store
    wait_until(lambda: _completed(submitter, *(job for jobs in queued.values() for job in jobs)))
    for device in devices:
        jobs = queued[device.name]
        assert device.overlaps() == []
        assert [job for _, job in device.starts()] == [jobs[-1], *jobs[:-1]], "queue order, each once"
    assert any(spooler.wait_printing(0) for spooler in printing)


def _print_until_killed(spool_dir: Path, store_url: str, printer: EmbeddedPrinter, ready: Connection) -> None:
    embedded_spooler(spool_dir, store_url, [printer])
    ready.send("printing")
    threading.Event().wait()


@pytest.fixture
def printing_child(spool_dir: Path, store_url: str, tmp_path: Path) -> Iterator[tuple[Device, int]]:
    """A device, and a child process that prints it (it has started its spooler), killed at the end."""
    device = Device(tmp_path, "print")
    receive, send = FORK.Pipe(duplex=False)
    child = FORK.Process(target=_print_until_killed, args=(spool_dir, store_url, device.printer, send))
    child.start()
    assert child.pid is not None
    try:
        assert receive.recv() == "printing"
        yield device, child.pid
    finally:
        if child.is_alive():
            os.kill(child.pid, signal.SIGCONT)
            os.kill(child.pid, signal.SIGKILL)
        child.join()
        device.open()
        for pid, _ in device.starts():
            wait_until(lambda pid=pid: not group_members(pid))  # type: ignore[misc]


def _two_jobs_one_printing(device: Device, make_spooler: MakeSpooler) -> tuple[int, int, int]:
    """Queue two jobs for ``device``, wait until the first is being delivered and its holder has recorded
    the delivery with its lease (a holder killed before that leaves a delivery no other holder knows of:
    the window is short, but a store over the network makes it longer); the two job-ids, and the
    delivery's pid."""
    submitter = make_spooler([device.printer], start=False)
    first, second = (submit(submitter, data).job_id for data in (b"first", b"second"))
    wait_until(lambda: bool(device.starts()))
    ((pid, job),) = device.starts()
    assert job == first
    wait_until(lambda: _recorded_delivery(submitter, device.name) == pid)
    return first, second, pid


def _recorded_delivery(spooler: EmbeddedSpooler, printer: str) -> int | None:
    """The process group of the delivery the printing lease of ``printer`` records last."""
    with spooler.store.read() as tx:
        lease = tx.lease(printer)
    return lease.delivery.pgid if lease is not None and lease.delivery is not None else None


def test_a_delivery_left_by_a_killed_spooler_is_killed_before_its_job_prints_again(
        printing_child: tuple[Device, int], make_spooler: MakeSpooler) -> None:
    device, child = printing_child
    first, second, old = _two_jobs_one_printing(device, make_spooler)
    os.kill(child, signal.SIGKILL)
    seen = device.ticks_of(old)
    wait_until(lambda: device.ticks_of(old) > seen)  # its delivery outlived it, in a session of its own

    taker = make_spooler([device.printer])  # at once: its holder died on this machine
    wait_until(lambda: len(device.starts()) == 2)
    assert not group_members(old), "killed before the job printed again"
    device.open()
    wait_until(lambda: _completed(taker, first, second))
    assert device.overlaps() == []
    assert [job for _, job in device.starts()] == [first, first, second]


def _stop_between_writes(pid: int, store: Store) -> None:
    """SIGSTOP ``pid`` at a moment it holds no write transaction of ``store`` (others may still write)."""
    def probe(written: threading.Event) -> None:
        with store.write() as tx:
            tx.lease("print", for_update=True)
        written.set()

    for _ in range(50):
        os.kill(pid, signal.SIGSTOP)
        written = threading.Event()
        prober = threading.Thread(target=probe, args=(written,))
        prober.start()
        if written.wait(2.0):
            prober.join()
            return
        os.kill(pid, signal.SIGCONT)  # it was writing: let it finish, and try again
        prober.join()
        time.sleep(0.05)
    raise AssertionError(f"process {pid} never stood between two writes")


@pytest.fixture
def short_leases(monkeypatch: pytest.MonkeyPatch) -> None:
    """Leases of 1.5 s renewed every 0.3 s (set before the printing child is forked)."""
    monkeypatch.setattr(printing_lease_module, "LEASE_SECONDS", 1.5)
    monkeypatch.setattr(printing_lease_module, "RENEW_SECONDS", 0.3)


def test_a_holder_stopped_past_its_lease_kills_its_delivery_once_continued_and_changes_nothing(
        short_leases: None, printing_child: tuple[Device, int], make_spooler: MakeSpooler, spool_dir: Path,
        store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    device, child = printing_child
    first, second, old = _two_jobs_one_printing(device, make_spooler)
    with opened(spool_dir, store_url) as store:
        _stop_between_writes(child, store)
    # The taker runs on another machine: it cannot kill the stopped holder's delivery, only wait for the
    # holder to stop it.
    monkeypatch.setattr(processes_module, "host_id", lambda: "elsewhere/another-boot")
    taker = make_spooler([device.printer])
    assert taker.wait_printing(30), "the lease expired: taken over"
    assert group_members(old), "still running: nothing here may kill it"
    os.kill(child, signal.SIGCONT)
    wait_until(lambda: len(device.starts()) == 2)
    assert not group_members(old), "its holder, once continued, killed it before the job printed again"
    device.open()
    wait_until(lambda: _completed(taker, first, second))
    assert device.overlaps() == []
    starts = device.starts()
    assert [job for _, job in starts] == [first, first, second], "the old holder claimed nothing more"
    with opened(spool_dir, store_url) as store, store.read() as tx:
        lease = tx.lease("print")
        ended = [tx.job(job_id) for job_id in (first, second)]
    assert lease is not None and lease.holder is not None and lease.holder.startswith("elsewhere/")
    assert all(job is not None and (job.state, job.message) == (JOB_COMPLETED, "") for job in ended), \
        "the old holder's end of the first job (aborted: its command was killed) changed nothing"
