"""Many hosts, one print service: two ``ipp-wsgi serve`` hosts on one job store behind nginx.

The hosts A and B serve the same printers: ``print`` (the directory output) and ``slow``, a ``command``
that waits a second, then writes the document to a file named by the job and the host that printed it
(:class:`~harness.cluster.RecordingPrinter`). nginx passes each request to the next host (round-robin, no
stickiness, request bodies streamed). Each test runs once per store of :data:`CLUSTER_STORES`.

The figures measured (how soon each host answers IPP, the takeover times from a kill -9 or kill -STOP to
the first job printed again, the jobs printed twice) are printed and written to ``cluster-timings.txt`` in
the test's temp dir, never asserted: the machine is shared and noisy.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from deploy_servers import ipp_request, post_ipp
from harness import IppServer, Ipptool, IpptoolResult, attach_log, attach_logs, wait_for
from harness.cluster import (
    CLUSTER_STORES,
    HOST_ENVIRONMENT,
    Delivery,
    HostStore,
    RecordingPrinter,
    RoundRobinNginx,
    Start,
    host_stores,
)
from harness.processes import LOOPBACK, all_stopped, group_members, write_lock_holders
from harness.spool import job_records, printing_lease

from ipp_wsgi.backends.base import JOB_CANCELED, JOB_COMPLETED
from ipp_wsgi.backends.embedded.printing_lease import LEASE_SECONDS, RENEW_SECONDS
from ipp_wsgi.codec import Message, operations, status, tags

SLOW = "slow"
DOCUMENT = "testfile.pdf"
SUITES = [
    ("ipp-1.1.test", ()),
    ("ipp-2.0.test", ()),
    ("ipp-2.1.test", ("-V", "2.1")),
    ("ipp-2.2.test", ("-V", "2.2")),
    ("ipp-everywhere.test", ()),
]
"""The stock ipptool suites, and the options test_conformance*.py run them with."""
STOP_TRIES = 50
"""How many times the kill -STOP test may stop a host before it finds it out of a store write."""
PRINT_TIMEOUT = 180.0
"""How long a burst of slow jobs may take to print, takeover included (generous: a noisy machine)."""


# -- the cluster ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Host:
    """One ``ipp-wsgi serve`` of the cluster: its name (what its printers' commands are told) and store."""

    name: str
    server: IppServer
    store: HostStore

    @property
    def port(self) -> int:
        """Its own port (the balancer's upstream)."""
        return self.server.port


@dataclass
class Cluster:
    """Hosts A and B behind ``proxy``, and the deliveries of their printer ``slow``."""

    hosts: list[Host]
    proxy: RoundRobinNginx
    slow: RecordingPrinter
    timings: Path
    """Where the figures measured are written."""

    def host(self, name: str) -> Host:
        """The host called ``name``."""
        (found,) = [host for host in self.hosts if host.name == name]
        return found

    def other(self, host: Host) -> Host:
        """The host that is not ``host``."""
        (found,) = [other for other in self.hosts if other is not host]
        return found

    def report(self, what: str, value: float, unit: str = "s") -> None:
        """Print a figure measured (a time in seconds, unless ``unit`` says otherwise) and add it to
        :attr:`timings`."""
        line = f"{what}: {value:.2f} {unit}" if unit == "s" else f"{what}: {value:g} {unit}".rstrip()
        print(line)
        with self.timings.open("a") as out:
            out.write(line + "\n")


def cluster_config(path: Path, slow: RecordingPrinter) -> Path:
    """The configuration every host serves: ``print`` (directory output) and the ``slow`` printer."""
    path.write_text(f'[[printers]]\nname = "print"\n\n{slow.toml()}')
    return path


@pytest.fixture(params=CLUSTER_STORES)
def cluster(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cluster]:
    """Hosts A and B on the store ``request.param`` and nginx in front; A starts first, so it prints."""
    stores = host_stores(request.param, tmp_path / "stores", 2, request.getfixturevalue)
    slow = RecordingPrinter(tmp_path / "slow-output", SLOW)
    config = cluster_config(tmp_path / "cluster.toml", slow)
    serving: dict[str, float] = {}
    with ExitStack() as stack:
        hosts = []
        for name, store in zip("AB", stores, strict=True):
            server = IppServer(tmp_path / f"host-{name}", config=config, extra_args=store.extra_args,
                               env={**os.environ, HOST_ENVIRONMENT: name}, spool_dir=store.spool_dir)
            attach_log(request.node, f"host {name} :{server.port}", server.log)
            stack.callback(server.stop)
            server.start()
            hosts.append(Host(name, server, store))
            started = time.monotonic()
            get_printer_attributes(server.port)  # its workers answer (its port opened before they ran)
            serving[name] = time.monotonic() - started
        proxy = RoundRobinNginx(tmp_path / "nginx", [host.port for host in hosts])
        attach_logs(request.node, proxy.logs)
        stack.callback(proxy.stop)
        proxy.start()
        cluster = Cluster(hosts, proxy, slow, tmp_path / "cluster-timings.txt")
        for name, seconds in serving.items():
            cluster.report(f"host {name} answered IPP after its port opened", seconds)
        yield cluster


# -- IPP requests -----------------------------------------------------------------------------------
def printer_uri(port: int, printer: str = SLOW) -> str:
    """The URI of ``printer`` at 127.0.0.1:``port`` (a host's or the balancer's)."""
    return f"ipp://{LOOPBACK}:{port}/ipp/{printer}"


def call(port: int, printer: str, message: Message, document: bytes = b"") -> Message:
    """POST ``message`` (then ``document``) to ``printer`` at ``port``; the IPP answer, which must be a
    success in HTTP 200."""
    answer = post_ipp(port, f"/ipp/{printer}", message, tls=False, document=document)
    assert answer.status == 200 and answer.ipp is not None, f"HTTP {answer.status} from port {port}"
    assert answer.ipp.code == status.SUCCESSFUL_OK, answer.ipp
    return answer.ipp


def job_id_of(answer: Message) -> int:
    """The job-id of a Print-Job or Create-Job answer."""
    assert answer.job is not None, answer
    job_id: int = answer.job.value("job-id")
    return job_id


def get_printer_attributes(port: int, printer: str = SLOW) -> Message:
    """Get-Printer-Attributes of ``printer`` at ``port``."""
    return call(port, printer, ipp_request(operations.GET_PRINTER_ATTRIBUTES, printer_uri(port, printer)))


def print_job(port: int, printer: str, document: bytes, *, held: bool = False) -> int:
    """Print-Job of ``document`` on ``printer`` at ``port`` (``held``: job-hold-until indefinite); its id."""
    message = ipp_request(operations.PRINT_JOB, printer_uri(port, printer))
    if held:
        message.add_group(tags.JOB_ATTRIBUTES).add("job-hold-until", "indefinite", tags.KEYWORD)
    return job_id_of(call(port, printer, message, document))


def create_job(port: int, printer: str) -> int:
    """Create-Job on ``printer`` at ``port``; its job-id."""
    return job_id_of(call(port, printer, ipp_request(operations.CREATE_JOB, printer_uri(port, printer))))


def send_document(port: int, printer: str, job_id: int, document: bytes) -> None:
    """Send-Document of ``document`` to job ``job_id`` at ``port``, its last document."""
    message = ipp_request(operations.SEND_DOCUMENT, printer_uri(port, printer))
    message.operation.add("job-id", job_id, tags.INTEGER)
    message.operation.add("last-document", True, tags.BOOLEAN)
    call(port, printer, message, document)


def listed_jobs(port: int, printer: str = SLOW) -> dict[int, int]:
    """Every job of ``printer`` Get-Jobs (which-jobs all) lists at ``port``: job-id -> job-state."""
    message = ipp_request(operations.GET_JOBS, printer_uri(port, printer))
    message.operation.add("which-jobs", "all", tags.KEYWORD)
    message.operation.add("requested-attributes", ["job-id", "job-state"], tags.KEYWORD)
    answer = call(port, printer, message)
    return {job.value("job-id"): job.value("job-state") for job in answer.groups_of(tags.JOB_ATTRIBUTES)}


def wait_completed(port: int, jobs: set[int], timeout: float = PRINT_TIMEOUT,
                   printer: str = SLOW) -> dict[int, int]:
    """Wait until Get-Jobs at ``port`` lists every job of ``jobs`` completed, and no job of ``printer``
    still active; what it lists then."""
    def done() -> bool:
        listed = listed_jobs(port, printer)
        return all(listed.get(job_id) == JOB_COMPLETED for job_id in jobs) \
            and all(state >= JOB_CANCELED for state in listed.values())

    wait_for(f"jobs {sorted(jobs)} to complete (Get-Jobs at port {port})", done, timeout, interval=0.25)
    return listed_jobs(port, printer)


# -- the burst of slow jobs -------------------------------------------------------------------------
@dataclass
class Burst:
    """Print-Jobs of distinct documents (``size`` bytes and more) to ``printer`` through the balancer, one
    every ``pause`` seconds, in a thread; a request that got no IPP answer (its host was killed under it)
    is sent again."""

    port: int
    count: int
    pause: float = 0.0
    printer: str = SLOW
    size: int = 3000
    sent: dict[int, bytes] = field(default_factory=dict)
    """The documents of the jobs accepted, by job-id."""
    unanswered: int = 0
    """Requests sent again: each may have made a job that nobody was told of."""
    _thread: threading.Thread | None = None
    _error: BaseException | None = None

    def start(self) -> Burst:
        """Start sending in a thread."""
        self._thread = threading.Thread(target=self._send_all, daemon=True)
        self._thread.start()
        return self

    def join(self, timeout: float = PRINT_TIMEOUT) -> dict[int, bytes]:
        """Wait until every job was accepted; :attr:`sent`."""
        assert self._thread is not None
        self._thread.join(timeout)
        assert not self._thread.is_alive(), f"the burst was not sent within {timeout:g} s"
        if self._error is not None:
            raise self._error
        return self.sent

    def _send_all(self) -> None:
        try:
            for number in range(self.count):
                header = f"document {number} of the burst\n".encode()
                self._send(header + os.urandom(self.size * (number + 1)))
                time.sleep(self.pause)
        except BaseException as exc:  # reported by join()
            self._error = exc

    def _send(self, document: bytes) -> None:
        for _ in range(5):
            try:
                message = ipp_request(operations.PRINT_JOB, printer_uri(self.port, self.printer))
                answer = post_ipp(self.port, f"/ipp/{self.printer}", message, tls=False, document=document)
            except OSError:
                answer = None
            if answer is not None and answer.status == 200 and answer.ipp is not None:
                assert answer.ipp.code == status.SUCCESSFUL_OK, answer.ipp
                self.sent[job_id_of(answer.ipp)] = document
                return
            assert answer is None or answer.status == 502, f"HTTP {answer.status} from the balancer"
            self.unanswered += 1
            time.sleep(0.2)
        raise AssertionError("no host accepted a job of the burst")


def wait_for_starts(cluster: Cluster, count: int, host: str | None = None) -> None:
    """Wait until the slow printer's command has begun ``count`` times (on ``host``, when named)."""
    def begun() -> bool:
        return len([s for s in cluster.slow.starts() if host is None or s.host == host]) >= count

    wait_for(f"{count} run(s) of the slow printer's command", begun, PRINT_TIMEOUT, interval=0.05)


def first_start_after(cluster: Cluster, host: Host | None, since: float) -> Start:
    """The first run of the slow printer's command on ``host`` (None: any host) after ``since`` (Unix
    time), once there is one."""
    def starts() -> list[Start]:
        return [s for s in cluster.slow.starts() if host in (None, cluster.host(s.host)) and s.at >= since]

    wait_for("a slow job to print again", lambda: bool(starts()), PRINT_TIMEOUT, interval=0.05)
    return starts()[0]


STOPPED = ["host", "lease holder"]
"""What the kill -STOP test stops: the printing host (its process group), or its process that holds the
printing lease, its other processes going on."""


def to_stop(host: Host, what: str) -> list[int]:
    """The processes of ``host`` to stop (``what``: one of :data:`STOPPED`)."""
    if what == "host":
        return group_members(host.server.pid)
    lease = printing_lease(host.store.spool_dir, host.store.store_url, SLOW)
    assert lease is not None and lease.holder is not None, lease
    pid = int(lease.holder.split(":")[1])  # holder names are "machine:pid:token"
    assert pid in group_members(host.server.pid), f"host {host.name} does not hold the lease: {lease}"
    return [pid]


def signal_all(pids: list[int], signum: signal.Signals) -> None:
    """Send ``signum`` to each of ``pids``."""
    for pid in pids:
        os.kill(pid, signum)


def stop_between_writes(pids: list[int]) -> tuple[float, int]:
    """SIGSTOP ``pids`` at a moment none of them holds a write lock: the SQLite store's writers take turns
    by ``flock``, and a process stopped in its turn stops every host's writes until it goes on, which no
    lease can help. When they were stopped, and after how many tries."""
    for tries in range(1, STOP_TRIES + 1):
        signal_all(pids, signal.SIGSTOP)
        stopped_at = time.time()
        wait_for(f"processes {pids} to stop", lambda: all_stopped(pids), 10, interval=0.01)
        if not write_lock_holders() & set(pids):
            return stopped_at, tries
        signal_all(pids, signal.SIGCONT)
        time.sleep(0.05)
    raise AssertionError(f"processes {pids} held a write lock each of the {STOP_TRIES} times they stopped")


def by_job(deliveries: list[Delivery]) -> dict[int, list[Delivery]]:
    """Deliveries grouped by job-id."""
    grouped: dict[int, list[Delivery]] = {}
    for delivery in deliveries:
        grouped.setdefault(delivery.job_id, []).append(delivery)
    return grouped


def check_printed(cluster: Cluster, sent: dict[int, bytes], in_flight_host: str) -> dict[int, list[Delivery]]:
    """Every job of ``sent`` printed its document's bytes, each once but for at most one job, the one in
    flight when (a process of) ``in_flight_host`` went: printed by it first, then again; the deliveries by
    job."""
    printed = by_job(cluster.slow.deliveries())
    assert set(sent) <= set(printed), f"never printed: {sorted(set(sent) - set(printed))}"
    for job_id, document in sent.items():
        assert all(d.data == document for d in printed[job_id]), f"job {job_id} printed other bytes"
        assert all(d.number == 1 for d in printed[job_id])
    twice = {job_id: [d.host for d in found] for job_id, found in printed.items() if len(found) > 1}
    assert len(twice) <= 1, f"printed more than once: {twice}"
    for hosts in twice.values():
        assert len(hosts) == 2 and in_flight_host in hosts, twice
    return printed


def summary(result: IpptoolResult) -> str:
    """``P passed, F failed, S skipped`` of an ipptool run."""
    transcript = result.transcript
    return f"{transcript.passed} passed, {transcript.failed} failed, {transcript.skipped} skipped"


def report_twice(cluster: Cluster, case: str, printed: dict[int, list[Delivery]]) -> None:
    """Report the jobs printed more than once (the one in flight, if any)."""
    twice = [job_id for job_id, deliveries in printed.items() if len(deliveries) > 1]
    cluster.report(f"{case}: jobs printed twice (the one in flight)", len(twice), f"{twice}")


# -- the tests --------------------------------------------------------------------------------------
def test_stock_suites_give_the_same_verdicts_through_the_balancer(cluster: Cluster, ipptool: Ipptool) -> None:
    """Each stock suite passes, fails and skips as many tests through nginx (the hosts taking turns at its
    requests) as against host A alone; both hosts answered, none with a 5xx."""
    direct, balanced = {}, {}
    for suite, options in SUITES:
        host = ipptool.run(printer_uri(cluster.hosts[0].port, "print"), suite, file=DOCUMENT, options=options)
        proxy = ipptool.run(printer_uri(cluster.proxy.port, "print"), suite, file=DOCUMENT, options=options)
        assert host.transcript.passed > 0 and not host.transcript.fatal, host.report()
        direct[suite], balanced[suite] = host.transcript.counts(), proxy.transcript.counts()
        print(f"{suite}: host A {summary(host)}; through nginx {summary(proxy)}")
    assert balanced == direct
    used = cluster.proxy.upstreams_used()
    assert all(used.get(f"{LOOPBACK}:{host.port}", 0) > 10 for host in cluster.hosts), used
    assert max(cluster.proxy.statuses()) < 500, cluster.proxy.statuses()


def test_the_second_host_stands_by_and_serves_at_once(cluster: Cluster) -> None:
    """B's spooler process finds the printing leases kept by A's: it stands by, and B's workers start at
    once, not once the spooler process's start timeout has passed."""
    log = cluster.hosts[1].server.log.read_text()
    assert "standing by for the jobs of" in log
    assert "did not start printing" not in log


def test_a_job_created_on_one_host_takes_its_document_on_the_other(cluster: Cluster) -> None:
    host_a, host_b = cluster.hosts
    job_id = create_job(host_a.port, SLOW)
    assert job_id in listed_jobs(host_b.port), "host B does not list the job host A created"
    document = b"sent to host B for a job of host A\n" + os.urandom(20_000)
    send_document(host_b.port, SLOW, job_id, document)

    wait_completed(host_a.port, {job_id})
    assert listed_jobs(host_b.port)[job_id] == JOB_COMPLETED
    (delivery,) = by_job(cluster.slow.deliveries())[job_id]
    assert delivery.data == document
    assert [s.job_id for s in cluster.slow.starts()] == [job_id], "the job's command ran more than once"


def test_a_job_printing_on_one_host_is_canceled_through_the_other(cluster: Cluster) -> None:
    """Cancel-Job sent to B of the job A's command is printing: the command is stopped (nothing printed),
    the job is canceled on both hosts, and the next job prints."""
    host_a, host_b = cluster.hosts
    first = print_job(host_a.port, SLOW, b"canceled while printing\n")
    second = print_job(host_a.port, SLOW, b"printed after the canceled one\n")
    wait_for_starts(cluster, 1)
    assert cluster.slow.starts()[0].job_id == first
    message = ipp_request(operations.CANCEL_JOB, printer_uri(host_b.port))
    message.operation.add("job-id", first, tags.INTEGER)
    call(host_b.port, SLOW, message)

    wait_completed(host_b.port, {second})
    assert listed_jobs(host_a.port)[first] == listed_jobs(host_b.port)[first] == JOB_CANCELED
    assert [(d.job_id, d.data) for d in cluster.slow.deliveries()] == [
        (second, b"printed after the canceled one\n")]


def test_job_ids_increase_across_hosts(cluster: Cluster) -> None:
    """Jobs submitted to A and to B at once, and through the balancer: a job answered before another was
    sent has the lower id."""
    answered: list[tuple[float, float, int]] = []
    lock = threading.Lock()

    def submit(port: int, count: int) -> None:
        for number in range(count):
            sent_at = time.monotonic()
            job_id = print_job(port, "print", f"job {number} at port {port}\n".encode(), held=True)
            with lock:
                answered.append((sent_at, time.monotonic(), job_id))

    threads = [threading.Thread(target=submit, args=(host.port, 15)) for host in cluster.hosts]
    for thread in threads:
        thread.start()
    submit(cluster.proxy.port, 10)
    for thread in threads:
        thread.join(PRINT_TIMEOUT)
    assert len(answered) == 40 and len({job_id for _, _, job_id in answered}) == 40
    out_of_order = [(earlier[2], later[2]) for earlier in answered for later in answered
                    if earlier[1] < later[0] and earlier[2] >= later[2]]
    assert out_of_order == []


def test_kill_9_of_the_printing_host_mid_burst(cluster: Cluster) -> None:
    """kill -9 of the whole host that prints the slow printer, while a burst of jobs comes in through the
    balancer: the other host prints every job, none is lost, only the job in flight may print twice."""
    burst = Burst(cluster.proxy.port, count=8, pause=0.4).start()
    wait_for_starts(cluster, 1)
    holder = cluster.host(cluster.slow.starts()[0].host)
    other = cluster.other(holder)
    wait_for_starts(cluster, 2, holder.name)  # the second job in flight

    killed_at = time.time()
    holder.server.kill9()
    finished_by_holder = {d.job_id for d in cluster.slow.deliveries() if d.host == holder.name}
    cluster.report(f"kill -9 of host {holder.name}: host {other.name} prints",
                   first_start_after(cluster, other, killed_at).at - killed_at)

    sent = burst.join()
    listed = wait_completed(other.port, set(sent))
    assert all(listed[job_id] == JOB_COMPLETED for job_id in sent), listed  # unacknowledged ones ended
    assert len(listed) - len(sent) <= burst.unanswered, "jobs nobody submitted"
    assert set(listed_jobs(cluster.proxy.port)) == set(listed)
    printed = check_printed(cluster, sent, holder.name)
    report_twice(cluster, "kill -9", printed)
    for job_id in set(listed) - finished_by_holder:
        assert other.name in [d.host for d in printed[job_id]], f"job {job_id} not printed by {other.name}"
    cluster.report(f"kill -9: jobs printed by host {other.name}", len(set(listed) - finished_by_holder), "of "
                   f"{len(listed)} jobs ({burst.unanswered} request(s) sent again)")


def printed_file(cluster: Cluster, job_id: int) -> bytes | None:
    """What the directory printer ``print`` of any host wrote for ``job_id``'s document (None: nothing)."""
    for host in cluster.hosts:
        path = host.store.spool_dir / "output" / "print" / f"{job_id}-1.bin"
        if path.exists():
            return path.read_bytes()
    return None


def test_kill_9_of_a_host_amid_concurrent_jobs_loses_none(cluster: Cluster) -> None:
    """Six clients print through the balancer at once, spool files among their documents, while host A,
    which prints, is killed -9: every job acknowledged prints its bytes (on B), every job listed ends."""
    bursts = [Burst(cluster.proxy.port, count=40, printer="print", size=5000).start() for _ in range(6)]
    wait_for("30 jobs acknowledged", lambda: sum(len(burst.sent) for burst in bursts) >= 30, interval=0.01)
    host_a, host_b = cluster.hosts
    host_a.server.kill9()
    acknowledged_before = sum(len(burst.sent) for burst in bursts)
    sent = {job_id: document for burst in bursts for job_id, document in burst.join().items()}
    unanswered = sum(burst.unanswered for burst in bursts)

    listed = wait_completed(host_b.port, set(sent), printer="print")
    assert all(listed[job_id] == JOB_COMPLETED for job_id in sent), listed  # unacknowledged ones ended
    assert len(listed) - len(sent) <= unanswered, "jobs nobody submitted"
    wrong = [job_id for job_id, document in sent.items() if printed_file(cluster, job_id) != document]
    assert wrong == [], "printed other bytes, or nothing"
    cluster.report("kill -9 amid concurrent jobs: acknowledged before / after the kill",
                   acknowledged_before, f"/ {len(sent) - acknowledged_before} jobs, {unanswered} sent again, "
                   f"{len(listed) - len(sent)} unacknowledged job(s) printed")


@pytest.mark.parametrize("what", STOPPED)
def test_stopped_printing_host_is_fenced_off(cluster: Cluster, what: str) -> None:
    """kill -STOP of the host that prints the slow printer (or only of its process that holds the lease)
    for longer than its lease: another process takes over and prints the rest; after kill -CONT the
    stopped one changes nothing (the store's jobs, the deliveries and the commands run stay as they
    were)."""
    burst = Burst(cluster.proxy.port, count=5).start()
    sent = burst.join()
    wait_for_starts(cluster, 1)
    holder = cluster.host(cluster.slow.starts()[0].host)
    other = cluster.other(holder)
    wait_for_starts(cluster, 2, holder.name)

    case = f"kill -STOP of the {what} ({holder.name})"
    stopped = to_stop(holder, what)
    try:
        stopped_at, tries = stop_between_writes(stopped)
        cluster.report(f"{case}: SIGSTOPs to find it out of a write", tries, "")
        taker = other if what == "host" else None  # a process of either host may take over from one
        again = first_start_after(cluster, taker, stopped_at)
        cluster.report(f"{case}: printing again on host {again.host}", again.at - stopped_at)
        wait_completed(other.port, set(sent))
        before = (job_records(other.store.spool_dir, other.store.store_url), cluster.slow.deliveries(),
                  cluster.slow.starts())
    finally:
        signal_all(stopped, signal.SIGCONT)
    cluster.report(f"{case}: stopped for", time.time() - stopped_at)

    lost_line = "its printing lease was lost or could not be renewed"
    wait_for(f"host {holder.name} to find its lease lost", lambda: lost_line in holder.server.log.read_text())
    time.sleep(LEASE_SECONDS + 2 * RENEW_SECONDS)  # rounds of its lease thread, and printing threads
    after = (job_records(other.store.spool_dir, other.store.store_url), cluster.slow.deliveries(),
             cluster.slow.starts())
    assert after[0] == before[0], "the store's jobs changed after the stopped host went on"
    assert after[1:] == before[1:], "the stopped host printed after it went on"
    report_twice(cluster, case, check_printed(cluster, sent, holder.name))
    assert set(listed_jobs(holder.port)) == set(sent)
    assert all(state == JOB_COMPLETED for state in listed_jobs(cluster.proxy.port).values())
