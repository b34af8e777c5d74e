"""ipp-wsgi under gunicorn against cupsd, side by side in one run: ``python benchmarks/server_bench.py``.

Starts ``ipp-wsgi serve`` (gunicorn, loopback, temp spool dir, a printer whose output is the device
``file:///dev/null``), a private cupsd with a raw ``file:///dev/null`` queue (the test harness's
:class:`PrivateCupsd`): the same work for both, spool then print to /dev/null; and, where it can run,
ippeveprinter (Get-Printer-Attributes only), then measures them with the same clients and prints figures
and ratios ours / cupsd:

1. Get-Printer-Attributes (3 requested attributes, and ``all`` + ``media-col-database``) at 1 and 8
   keep-alive connections with ``wrk`` and ``benchmarks/wrk/post_ipp.lua`` posting the pre-encoded body;
2. Get-Jobs (which-jobs=all, limit=50) with few and with many jobs in the history, at 1 connection;
3. Print-Job of a 100 MiB document (1 GiB with ``--big``), Content-Length and chunked: MiB/s and peak RSS
   of the server's processes (every process of its process group, sampled from /proc);
4. 8 clients each submitting 200 Print-Jobs of 10 KiB: jobs/s until every job is completed (the better of
   two rounds, the second in the reverse order of servers);
5. ``benchmarks/codec_bench.py`` (ratio to pyipp).

With ``--store postgresql`` a second ipp-wsgi (``ipp-wsgi-pg``) runs the same scenarios on a throw-away
PostgreSQL server (the test harness's :class:`PrivatePostgres`, fsync on), and the table adds its
figures and their ratios to ipp-wsgi on SQLite, with the goals they are printed against (never asserted).

Results also go to ``benchmarks/results/server-<timestamp>.json``. Not a test: figures depend on the
machine; the ratios are what to compare. ``--quick`` shortens every scenario (about two minutes).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ipp_wsgi.codec import Message, decode, encode, operations
from ipp_wsgi.codec import tags as t

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))

from harness.avahi import Ippeveprinter, PrivateDnssd  # noqa: E402
from harness.cupsd import PrivateCupsd  # noqa: E402
from harness.postgres import PrivatePostgres, postgres_bin_dir  # noqa: E402
from harness.processes import LOOPBACK, ServerStartError, group_members  # noqa: E402
from harness.servers import IppServer  # noqa: E402
from harness.tools import find_tool  # noqa: E402

RESULTS = HERE / "results"
LUA_SCRIPT = HERE / "wrk" / "post_ipp.lua"
CUPSD = "/usr/sbin/cupsd"
MIB = 1 << 20
SMALL_ATTRIBUTES = ["printer-state", "printer-state-reasons", "printer-is-accepting-jobs"]
ALL_ATTRIBUTES = ["all", "media-col-database"]
CHUNK = 16 * 1024  # what CUPS's ipp backend sends per chunk
THROUGHPUT_CLIENTS = 8
REFERENCE_PRINTER = "ippeveprinter"
"""Measured for Get-Printer-Attributes only: it is a printer, not a spooler (jobs in memory, -k keeps
every document)."""
OURS = "ipp-wsgi"
OURS_PG = "ipp-wsgi-pg"
"""ipp-wsgi on a PostgreSQL job store (``--store postgresql``)."""
PG_GOALS = (
    ("gpa_", 1.0, "GPA unchanged (cached answers)"),
    ("print_job_", 0.8, "Print-Job >= 0.8x SQLite"),
    ("small_jobs_per_s", 0.7, "small jobs >= 0.7x SQLite"),
)
"""Figure-name prefix, least ratio PostgreSQL / SQLite, and what the goal says: printed, not asserted."""
_PG_DURABLE = ("ALTER SYSTEM SET fsync = on", "ALTER SYSTEM SET full_page_writes = on",
               "SELECT pg_reload_conf()")
"""The test harness's PostgreSQL skips fsync; the benchmark's must be as durable as SQLite."""


@dataclass(frozen=True)
class Plan:
    """How long and how big each scenario is."""

    wrk_seconds: int
    history_jobs: int
    few_jobs: int
    document_mib: int
    jobs_per_client: int

    @classmethod
    def of(cls, args: argparse.Namespace) -> Plan:
        """The plan for the command-line options."""
        document = 1024 if args.big else (20 if args.quick else 100)
        if args.quick:
            return cls(wrk_seconds=2, history_jobs=2000, few_jobs=10, document_mib=document,
                       jobs_per_client=50)
        return cls(wrk_seconds=5, history_jobs=10_000, few_jobs=10, document_mib=document,
                   jobs_per_client=200)


@dataclass(frozen=True)
class Target:
    """One server under test: where to POST and which printer-uri to name."""

    name: str
    port: int
    path: str
    printer_uri: str
    pgid: int

    def connect(self, timeout: float = 120.0) -> http.client.HTTPConnection:
        """A new keep-alive connection to the server."""
        return http.client.HTTPConnection(LOOPBACK, self.port, timeout=timeout)

    @property
    def url(self) -> str:
        """The URL wrk posts to."""
        return f"http://{LOOPBACK}:{self.port}{self.path}"


# --- requests -------------------------------------------------------------------------------------------


def request(op: int, target: Target, *extra: tuple[str, int, Any]) -> bytes:
    """The encoded attribute section of request *op* to *target*'s printer, with *extra* operation
    attributes (name, tag, value)."""
    message = Message(op, 1, (2, 0))
    group = message.operation
    group.add("attributes-charset", "utf-8", tag=t.CHARSET)
    group.add("attributes-natural-language", "en", tag=t.NATURAL_LANGUAGE)
    group.add("printer-uri", target.printer_uri, tag=t.URI)
    group.add("requesting-user-name", "bench", tag=t.NAME_WITHOUT_LANGUAGE)
    for name, tag, value in extra:
        group.add(name, value, tag=tag)
    return encode(message)


def get_printer_attributes(target: Target, requested: list[str]) -> bytes:
    """Get-Printer-Attributes asking for *requested*."""
    return request(operations.GET_PRINTER_ATTRIBUTES, target, ("requested-attributes", t.KEYWORD, requested))


def get_jobs(target: Target, which: str = "all", limit: int = 50) -> bytes:
    """Get-Jobs (which-jobs, limit)."""
    return request(operations.GET_JOBS, target, ("which-jobs", t.KEYWORD, which), ("limit", t.INTEGER, limit))


def print_job(target: Target) -> bytes:
    """The attribute section of a Print-Job of raw data."""
    return request(operations.PRINT_JOB, target, ("job-name", t.NAME_WITHOUT_LANGUAGE, "bench"),
                   ("document-format", t.MIME_MEDIA_TYPE, "application/octet-stream"))


def answer(response: http.client.HTTPResponse) -> Message:
    """The decoded IPP response; raises unless HTTP 200 and an IPP successful-* status."""
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"HTTP {response.status}: {body[:200]!r}")
    message = decode(body)
    if message.code >= 0x0100:
        raise RuntimeError(f"IPP status 0x{message.code:04X}")
    return message


def post(conn: http.client.HTTPConnection, target: Target, body: bytes) -> Message:
    """POST *body* on *conn* and decode the answer."""
    conn.request("POST", target.path, body, {"Content-Type": "application/ipp"})
    return answer(conn.getresponse())


# --- measuring ------------------------------------------------------------------------------------------


def wrk(target: Target, body: bytes, connections: int, seconds: int, work: Path) -> float:
    """Requests/s that wrk gets posting *body* on *connections* keep-alive connections."""
    body_file = work / f"{target.name}-{connections}-{hash(body) & 0xFFFF:x}.ipp"
    body_file.write_bytes(body)
    done = subprocess.run(
        ["wrk", "-t", str(min(connections, 2)), "-c", str(connections), "-d", f"{seconds}s",
         "-s", str(LUA_SCRIPT), target.url],
        env={**os.environ, "IPP_BODY": str(body_file)}, capture_output=True, text=True, check=True,
    )
    if "Non-2xx" in done.stdout or "Socket errors" in done.stdout:
        raise RuntimeError(f"wrk saw errors against {target.name}:\n{done.stdout}")
    found = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    if found is None:
        raise RuntimeError(f"no Requests/sec in wrk output:\n{done.stdout}")
    return float(found.group(1))


def memory_bytes(pgid: int) -> dict[str, int]:
    """The resident set size and the proportional set size (PSS: each shared page counted once over the
    processes that share it, so forked workers are not counted again for the pages they share with their
    master) summed over every process in process group *pgid*, from ``/proc/PID/smaps_rollup``."""
    total = {"rss": 0, "pss": 0}
    for pid in group_members(pgid):
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        for key, found in (("rss", _RSS_LINE.search(rollup)), ("pss", _PSS_LINE.search(rollup))):
            total[key] += int(found.group(1)) * 1024 if found else 0
    return total


_RSS_LINE = re.compile(r"^Rss:\s+(\d+) kB", re.MULTILINE)
_PSS_LINE = re.compile(r"^Pss:\s+(\d+) kB", re.MULTILINE)


@contextmanager
def memory_peak(pgid: int, interval: float = 0.02) -> Iterator[dict[str, int]]:
    """Sample :func:`memory_bytes` while the block runs; yields a dict filled with ``rss_before``,
    ``pss_before``, ``rss_peak`` and ``pss_peak``."""
    before = memory_bytes(pgid)
    figures = {"rss_before": before["rss"], "pss_before": before["pss"], "rss_peak": 0, "pss_peak": 0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            now = memory_bytes(pgid)
            figures["rss_peak"] = max(figures["rss_peak"], now["rss"])
            figures["pss_peak"] = max(figures["pss_peak"], now["pss"])
            stop.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield figures
    finally:
        stop.set()
        sampler.join()


def service_memory(target: Target) -> dict[str, float]:
    """RSS and PSS (MiB) of the whole service (every process of its group) between scenarios."""
    now = memory_bytes(target.pgid)
    return {"rss_mib": now["rss"] / MIB, "pss_mib": now["pss"] / MIB}


def send_document(target: Target, attributes: bytes, block: bytes, blocks: int, chunked: bool) -> None:
    """One Print-Job of *blocks* copies of *block*, framed with Content-Length or chunked."""
    conn = target.connect()
    try:
        conn.putrequest("POST", target.path)
        conn.putheader("Content-Type", "application/ipp")
        if chunked:
            conn.putheader("Transfer-Encoding", "chunked")
        else:
            conn.putheader("Content-Length", str(len(attributes) + len(block) * blocks))
        conn.endheaders()
        sock = conn.sock
        if chunked:
            sock.sendall(b"%x\r\n%b\r\n" % (len(attributes), attributes))
            view = memoryview(block)
            head = b"%x\r\n" % CHUNK
            for _ in range(blocks):
                for start in range(0, len(block), CHUNK):
                    sock.sendmsg([head, view[start:start + CHUNK], b"\r\n"])
            sock.sendall(b"0\r\n\r\n")
        else:
            sock.sendall(attributes)
            for _ in range(blocks):
                sock.sendall(block)
        answer(conn.getresponse())
    finally:
        conn.close()


def print_job_stream(target: Target, mib: int, chunked: bool) -> dict[str, float]:
    """MiB/s of one Print-Job of *mib* MiB and the server's RSS and PSS (MiB) before and at their peak."""
    block = os.urandom(MIB)
    with memory_peak(target.pgid) as memory:
        start = time.perf_counter()
        send_document(target, print_job(target), block, mib, chunked)
        seconds = time.perf_counter() - start
    figures = {"mib_per_s": mib / seconds}
    for kind in ("rss", "pss"):
        before, peak = memory[f"{kind}_before"], memory[f"{kind}_peak"]
        figures |= {f"{kind}_before_mib": before / MIB, f"{kind}_peak_mib": peak / MIB,
                    f"{kind}_growth_mib": (peak - before) / MIB}
    return figures


def submit_jobs(target: Target, clients: int, per_client: int, size: int) -> None:
    """*clients* threads, each on its own keep-alive connection, submitting *per_client* Print-Jobs."""
    body = print_job(target) + b"x" * size

    def client() -> None:
        conn = target.connect()
        try:
            for _ in range(per_client):
                post(conn, target, body)
        finally:
            conn.close()

    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(client) for _ in range(clients)]:
            future.result()


def wait_all_completed(target: Target, timeout: float = 600.0) -> None:
    """Poll Get-Jobs (not-completed) until the server reports no pending or processing job."""
    body = get_jobs(target, "not-completed", 1)
    deadline = time.monotonic() + timeout
    conn = target.connect()
    try:
        while time.monotonic() < deadline:
            if not post(conn, target, body).groups_of(t.JOB_ATTRIBUTES):
                return
            time.sleep(0.01)
    finally:
        conn.close()
    raise RuntimeError(f"{target.name}: jobs still not completed after {timeout}s")


def job_throughput(target: Target, per_client: int) -> float:
    """Jobs/s of :data:`THROUGHPUT_CLIENTS` clients submitting 10 KiB Print-Jobs, until all completed."""
    start = time.perf_counter()
    submit_jobs(target, THROUGHPUT_CLIENTS, per_client, 10 * 1024)
    wait_all_completed(target)
    return THROUGHPUT_CLIENTS * per_client / (time.perf_counter() - start)


def fill_history(target: Target, jobs: int) -> None:
    """Submit *jobs* tiny Print-Jobs (spread over the clients) and wait until all are completed."""
    if jobs > 0:
        submit_jobs(target, THROUGHPUT_CLIENTS, -(-jobs // THROUGHPUT_CLIENTS), 64)
    wait_all_completed(target)


# --- servers --------------------------------------------------------------------------------------------


def start_ours(stack: ExitStack, work: Path, workers: int, history: int, worker_class: str = "ipp",
               store_url: str | None = None) -> Target:
    """ipp-wsgi under gunicorn with history room for *history* jobs, printing to /dev/null like cupsd's;
    its jobs in the spool directory's SQLite, or in the PostgreSQL database *store_url* (named
    :data:`OURS_PG`)."""
    work.mkdir(exist_ok=True)
    config = work / "ipp-wsgi.toml"
    config.write_text(
        f"[history]\njobs = {history * 2}\n\n[[printers]]\nname = \"print\"\n"
        "paths = [\"/ipp/print\", \"/printers/print\"]\n"
        "output = \"file\"\ndevice_uri = \"file:///dev/null\"\n"
    )
    store = ["--store", store_url] if store_url is not None else []
    server = IppServer(work, config=config,
                       extra_args=["--workers", str(workers), "--worker-class", worker_class, *store])
    server.start()
    stack.callback(server.stop)
    return Target(OURS if store_url is None else OURS_PG, server.port, "/ipp/print", server.uri, server.pid)


def start_postgres(stack: ExitStack) -> str:
    """A throw-away PostgreSQL server (fsync on), removed at the end; the URL of an empty database in it."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        raise SystemExit("--store postgresql: PostgreSQL is not installed (Debian package postgresql)")
    server = PrivatePostgres(bin_dir)
    stack.callback(server.remove)
    server.start()
    for statement in _PG_DURABLE:
        server.sql(statement)
    return server.create_database("bench")


def start_cupsd(stack: ExitStack, work: Path) -> Target:
    """A private cupsd with the raw queue ``bench`` printing to /dev/null."""
    cupsd = PrivateCupsd(CUPSD, work)
    cupsd.start()
    stack.callback(cupsd.stop)
    cupsd.add_queue("bench")
    return Target("cupsd", cupsd.port, "/printers/bench", f"ipp://localhost:{cupsd.port}/printers/bench",
                  cupsd.pid)


def start_ippeveprinter(stack: ExitStack, work: Path, log: Callable[[str], None]) -> Target | None:
    """CUPS's reference printer (with the private DNS-SD it needs), or None when it cannot run here."""
    tools = {name: find_tool(name) for name in ("ippeveprinter", "dbus-daemon", "avahi-daemon")}
    missing = [name for name, path in tools.items() if path is None]
    if missing:
        log(f"ippeveprinter: not measured ({', '.join(missing)} not installed)")
        return None
    dnssd = PrivateDnssd(work / "dnssd", str(tools["dbus-daemon"]), str(tools["avahi-daemon"]),
                         find_tool("unshare"))
    try:
        dnssd.start()
        stack.callback(dnssd.stop)
        printer = Ippeveprinter(str(tools["ippeveprinter"]), dnssd, work / "ippeveprinter")
        printer.start()
    except ServerStartError as exc:
        log(f"ippeveprinter: not measured (it did not start: {str(exc).splitlines()[0]})")
        return None
    stack.callback(printer.stop)
    return Target(REFERENCE_PRINTER, printer.port, "/ipp/print", printer.uri, printer.pid)


def check_answers(target: Target) -> dict[str, int]:
    """Check that the benchmarked requests succeed; how many printer attributes each returns."""
    conn = target.connect()
    try:
        counts = {}
        for label, requested in (("small", SMALL_ATTRIBUTES), ("all", ALL_ATTRIBUTES)):
            printer = post(conn, target, get_printer_attributes(target, requested)).printer
            counts[label] = len(list(printer.attributes())) if printer is not None else 0
        return counts
    finally:
        conn.close()


# --- running and reporting ------------------------------------------------------------------------------


def measure(targets: list[Target], plan: Plan, work: Path, log: Callable[[str], None]) -> dict[str, Any]:
    """Every server scenario on every target: {scenario: {target name: figure}}."""
    results: dict[str, dict[str, Any]] = {}

    def record(key: str, target: Target, value: Any) -> None:
        results.setdefault(key, {})[target.name] = value
        log(f"  {target.name:8} {key}: {value}")

    for target in targets:
        record("printer_attributes_returned", target, check_answers(target))
        record("service_memory_idle", target, service_memory(target))
        for label, requested in (("small", SMALL_ATTRIBUTES), ("all", ALL_ATTRIBUTES)):
            body = get_printer_attributes(target, requested)
            for connections in (1, 8):
                rate = wrk(target, body, connections, plan.wrk_seconds, work)
                record(f"gpa_{label}_c{connections}_req_per_s", target, rate)
        if target.name == REFERENCE_PRINTER:
            record("service_memory_after", target, service_memory(target))
            continue
        for chunked in (False, True):
            framing = "chunked" if chunked else "length"
            record(f"print_job_{plan.document_mib}mib_{framing}", target,
                   print_job_stream(target, plan.document_mib, chunked))
        fill_history(target, plan.few_jobs)
        record(f"get_jobs_{plan.few_jobs}_req_per_s", target,
               wrk(target, get_jobs(target), 1, plan.wrk_seconds, work))
        record("small_jobs_per_s", target, job_throughput(target, plan.jobs_per_client))
        submitted = 2 + plan.few_jobs + THROUGHPUT_CLIENTS * plan.jobs_per_client
        fill_history(target, plan.history_jobs - submitted)
        record(f"get_jobs_{plan.history_jobs}_req_per_s", target,
               wrk(target, get_jobs(target), 1, plan.wrk_seconds, work))
        record("service_memory_after", target, service_memory(target))
    # Creating a file costs up to ten times more right after many were deleted (ext4 without a journal
    # skips every recently freed inode), which would penalise whichever server goes first: a second round
    # in the reverse order, and the better of the two.
    for target in reversed([each for each in targets if each.name != REFERENCE_PRINTER]):
        again = job_throughput(target, plan.jobs_per_client)
        log(f"  {target.name:8} small_jobs_per_s (second round): {again}")
        results["small_jobs_per_s"][target.name] = max(results["small_jobs_per_s"][target.name], again)
    return results


def file_create_us(directory: Path, files: int = 200) -> float:
    """Microseconds to create an empty file in a new folder of *directory* (the files are left there: deleting
    them would slow later creations). Every spooler creates a file per job; on ext4 without a journal a
    creation skips every inode of its group freed in the last minutes, so right after another run removed
    its files this can be ten times the usual figure, for whichever server's spool shares that group."""
    probe = directory / "create-probe"
    probe.mkdir()
    start = time.perf_counter()
    for index in range(files):
        os.close(os.open(probe / str(index), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    return (time.perf_counter() - start) / files * 1e6


def codec_figures() -> dict[str, Any]:
    """Run codec_bench.py and return the JSON it wrote."""
    before = set(RESULTS.glob("codec-*.json"))
    subprocess.run([sys.executable, str(HERE / "codec_bench.py")], check=True, capture_output=True)
    (written,) = set(RESULTS.glob("codec-*.json")) - before
    figures: dict[str, Any] = json.loads(written.read_text())
    return figures


def table(results: dict[str, Any], codec: dict[str, Any]) -> list[str]:
    """The human-readable table: one row per figure, ours, cupsd, ratio (and ippeveprinter's figure)."""
    with_pg = any(OURS_PG in figures for figures in results.values())
    pg_head = f" {OURS_PG:>12} {'pg/sqlite':>10}" if with_pg else ""
    rows = [f"{'figure':48} {'ipp-wsgi':>12} {'cupsd':>12} {'ours/cupsd':>10} {REFERENCE_PRINTER:>14}"
            f"{pg_head}"]
    pg: dict[str, Any] = {}

    def row(label: str, ours: float, theirs: float, reference: float | None = None,
            on_pg: float | None = None) -> None:
        ratio = f"{ours / theirs:9.2f}x" if theirs else f"{'n/a':>10}"
        extra = f" {reference:14,.1f}" if reference is not None else f" {'':14}" if on_pg is not None else ""
        if on_pg is not None:
            extra += f" {on_pg:12,.1f} " + (f"{on_pg / ours:9.2f}x" if ours else f"{'n/a':>10}")
        rows.append(f"{label:48} {ours:12,.1f} {theirs:12,.1f} {ratio}{extra}")

    for key, figures in results.items():
        ours, theirs, reference = figures[OURS], figures["cupsd"], figures.get(REFERENCE_PRINTER)
        pg = figures.get(OURS_PG, {})
        if key == "printer_attributes_returned":
            rows.append(f"{'printer attributes returned (small/all)':48} "
                        f"{ours['small']:>5}/{ours['all']:<6} {theirs['small']:>5}/{theirs['all']:<6}")
        elif key.startswith("service_memory"):
            for kind in ("rss", "pss"):
                row(f"{key} {kind.upper()} MiB", ours[f"{kind}_mib"], theirs[f"{kind}_mib"],
                    reference[f"{kind}_mib"] if reference is not None else None, pg.get(f"{kind}_mib"))
        elif isinstance(ours, dict):
            row(f"{key} MiB/s", ours["mib_per_s"], theirs["mib_per_s"], on_pg=pg.get("mib_per_s"))
            for kind in ("rss", "pss"):
                label = f"{key} {kind.upper()}"
                row(f"{label} peak MiB", ours[f"{kind}_peak_mib"], theirs[f"{kind}_peak_mib"],
                    on_pg=pg.get(f"{kind}_peak_mib"))
                row(f"{label} growth MiB", ours[f"{kind}_growth_mib"], theirs[f"{kind}_growth_mib"],
                    on_pg=pg.get(f"{kind}_growth_mib"))
        else:
            row(key, ours, theirs, reference, figures.get(OURS_PG))
    jobs = sorted(k for k in results if k.startswith("get_jobs_"))
    if len(jobs) == 2:
        ordered = sorted(jobs, key=lambda k: int(k.split("_")[2]))
        for name in (OURS, OURS_PG):
            if all(name in results[k] for k in ordered):
                few, many = (results[k][name] for k in ordered)
                label = f"{name} Get-Jobs latency many/few jobs"
                rows.append(f"{label:48} {few / many:12.2f}x  (goal <= 2x)")
    decode_row = codec["decode_response"]
    rows.append(f"{'codec decode vs pyipp (ours/pyipp)':48} {decode_row['ours']:12,.0f} "
                f"{decode_row['pyipp']:12,.0f} {decode_row['ratio']:9.2f}x")
    for name in ("get-printer-attributes", "print-job"):
        enc = codec[f"encode_{name}"]
        rows.append(f"{'codec encode ' + name + ' (ours/pyipp)':48} {enc['ours']:12,.0f} "
                    f"{enc['pyipp']:12,.0f} {enc['ratio']:9.2f}x")
    return rows + pg_goals(results)


def pg_goals(results: dict[str, Any]) -> list[str]:
    """One line per figure that has a :data:`PG_GOALS` goal: its ratio ipp-wsgi on PostgreSQL / on SQLite,
    the goal, and whether this run met it (none when PostgreSQL was not measured)."""
    lines = []
    for key, figures in results.items():
        goal = next(((least, what) for prefix, least, what in PG_GOALS if key.startswith(prefix)), None)
        if goal is None or OURS_PG not in figures or OURS not in figures:
            continue
        sqlite, pg = figures[OURS], figures[OURS_PG]
        if isinstance(sqlite, dict):
            sqlite, pg = sqlite["mib_per_s"], pg["mib_per_s"]
        ratio = pg / sqlite if sqlite else 0.0
        # "Unchanged" allows the noise of a shared machine: 10% either way.
        met = ratio >= goal[0] * (0.9 if goal[0] == 1.0 else 1.0)
        lines.append(f"{'pg/sqlite ' + key:48} {ratio:12.2f}x  goal: {goal[1]}: {'met' if met else 'MISSED'}")
    return lines


def parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="short runs (about two minutes)")
    parser.add_argument("--big", action="store_true", help="Print-Job of 1 GiB instead of 100 MiB")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--worker-class", choices=["ipp", "gthread"], default="ipp",
                        help="ipp-wsgi serve --worker-class (default ipp)")
    parser.add_argument("--only", choices=["ipp-wsgi", "cupsd"], help="start and measure one server only")
    parser.add_argument("--store", choices=["sqlite", "postgresql"], default="sqlite",
                        help="postgresql: also measure ipp-wsgi on a throw-away PostgreSQL job store "
                             "(besides SQLite; needs the Debian package postgresql)")
    parser.add_argument("--work-dir", type=Path, default=None, metavar="DIR",
                        help="where the servers keep their spools (default: the system's temporary "
                             "directory); /dev/shm leaves the file system's own costs out")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    plan = Plan.of(args)

    def log(line: str) -> None:
        print(line, flush=True)

    started = time.time()
    with tempfile.TemporaryDirectory(prefix="ipp-bench-", dir=args.work_dir) as tmp, ExitStack() as stack:
        work = Path(tmp)
        create_us = file_create_us(work)
        log(f"file creation in {work}: {create_us:.0f} us")
        targets = []
        if args.only != "cupsd":
            targets.append(start_ours(stack, work / "ours", args.workers, plan.history_jobs,
                                      args.worker_class))
            if args.store == "postgresql":
                targets.append(start_ours(stack, work / "ours-pg", args.workers, plan.history_jobs,
                                          args.worker_class, start_postgres(stack)))
        if args.only != "ipp-wsgi":
            targets.append(start_cupsd(stack, work / "cupsd"))
        if args.only is None:
            reference = start_ippeveprinter(stack, work, log)
            targets += [reference] if reference is not None else []
        log(f"servers: {', '.join(f'{t.name} pid {t.pgid} port {t.port}' for t in targets)}")
        results = measure(targets, plan, work, log)
    log("codec benchmark ...")
    codec = codec_figures()
    report = {"python": platform.python_version(), "cores": os.cpu_count(), "plan": plan.__dict__,
              "workers": args.workers, "store": args.store, "seconds": time.time() - started,
              "work_dir": str(args.work_dir or ""),
              "file_create_us": create_us, "servers": results, "codec": codec}
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"server-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    if args.only is None:
        print(f"\n{os.cpu_count()} cores, gunicorn worker class {args.worker_class}, {args.workers} workers, "
              f"{time.time() - started:.0f} s, spools in {work.parent} "
              f"(a file creation there: {create_us:.0f} us)")
        print("\n".join(table(results, codec)))
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
