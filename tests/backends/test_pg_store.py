"""The PostgreSQL store's own tests: its migrations, documents kept as chunks, a database that goes away
and comes back, its pool across fork(), and URLs kept out of errors. What every store does is tested on
the ``store_url`` fixture (test_store.py and every embedded-spooler test)."""

from __future__ import annotations

import io
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path

import pytest
from harness import PrivatePostgres, free_port, wait_for
from harness.spool import embedded_spooler
from spooler_helpers import dead_pid, insert_job, make_printer, submit, wait_until

from ipp_wsgi.backends.base import JOB_ABORTED, JOB_COMPLETED, JOB_PENDING, BackendError, JobRequest
from ipp_wsgi.backends.embedded.store import NewJob, StoreUnavailable, open_document, open_store
from ipp_wsgi.backends.embedded.store import pg as pg_module
from ipp_wsgi.backends.embedded.store.pg import PgStore, redact
from ipp_wsgi.backends.embedded.store.pg_documents import CHUNK_BYTES, StagedDocument
from ipp_wsgi.backends.embedded.store.pg_schema import MIGRATIONS
from ipp_wsgi.codec import AttributeGroup, status

FORK = multiprocessing.get_context("fork")


@pytest.fixture
def pg_store(postgres_url: str, tmp_path: Path) -> Iterator[PgStore]:
    """A PostgreSQL store on a new database."""
    store = open_store(postgres_url, tmp_path / "spool")
    assert isinstance(store, PgStore)
    yield store
    store.close()


def _database(url: str) -> str:
    return url.rsplit("/", 1)[1]


def test_stores_opening_a_new_database_at_once_migrate_it_once(
        postgres_url: str, postgres_server: PrivatePostgres, tmp_path: Path) -> None:
    start = threading.Barrier(6)
    results: list[str] = []

    def open_one(index: int) -> None:
        start.wait()
        try:
            PgStore(postgres_url, tmp_path / f"spool-{index}").close()
            results.append("opened")
        except BaseException as exc:
            results.append(repr(exc))

    threads = [threading.Thread(target=open_one, args=(index,)) for index in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["opened"] * 6
    applied = postgres_server.sql("SELECT version FROM schema_version ORDER BY version",
                                  _database(postgres_url))
    assert applied.split() == [str(number) for number in range(1, len(MIGRATIONS) + 1)]


def test_a_database_of_a_newer_release_is_refused(postgres_url: str, postgres_server: PrivatePostgres,
                                                  tmp_path: Path) -> None:
    PgStore(postgres_url, tmp_path / "spool").close()
    postgres_server.sql(f"INSERT INTO schema_version (version) VALUES ({len(MIGRATIONS) + 1})",
                        _database(postgres_url))
    with pytest.raises(StoreUnavailable, match="newer release"):
        PgStore(postgres_url, tmp_path / "spool")


def test_a_document_of_several_chunks_is_read_back_and_seeked(pg_store: PgStore,
                                                              postgres_server: PrivatePostgres) -> None:
    size = CHUNK_BYTES * 2 + CHUNK_BYTES // 2
    content = bytes(range(251)) * (size // 251) + b"end"[: size % 251]
    content = content.ljust(size, b"x")
    job_id = insert_job(pg_store)
    received = pg_store.receive(io.BytesIO(content))
    with pg_store.write() as tx:
        tx.add_document(job_id, 1, "application/pdf", "big", AttributeGroup(), received)
    assert not list((pg_store.spool.tmp).iterdir()), "the temporary file went with the write"
    chunks = postgres_server.sql(f"SELECT seq, length(data) FROM document_chunks WHERE job_id = {job_id}"
                                 " ORDER BY seq", _database(pg_store.url))
    assert chunks.split() == [f"0|{CHUNK_BYTES}", f"1|{CHUNK_BYTES}", f"2|{CHUNK_BYTES // 2}"]
    with pg_store.read() as tx:
        (record,) = tx.documents(job_id, with_data=True)
        assert tx.document_kept(job_id, 1)
    assert record.data is None, "a large document is not read with its record"
    source = pg_store.document_source(record)
    with open_document(source) as data:
        assert data.read() == content
        for position in (CHUNK_BYTES - 7, 5, CHUNK_BYTES * 2 + 1, size - 3):
            assert data.seek(position) == position
            assert data.read(11) == content[position:position + 11]
        assert data.seek(-100, io.SEEK_END) == size - 100
        assert data.read() == content[-100:]
        assert data.read(1) == b""
    assert pg_store.stored_documents()[(job_id, 1)].size == size  # type: ignore[union-attr]


def test_a_large_document_is_copied_in_when_received_without_waiting_for_the_writers(
        pg_store: PgStore, postgres_server: PrivatePostgres) -> None:
    content = b"%PDF" * CHUNK_BYTES  # four chunks
    inside, received = threading.Event(), threading.Event()
    waited: list[bool] = []

    def write_meanwhile() -> None:
        with pg_store.write():
            inside.set()
            waited.append(received.wait(20))

    writer = threading.Thread(target=write_meanwhile)
    writer.start()
    inside.wait()
    document = pg_store.receive(io.BytesIO(content))
    received.set()
    writer.join()
    assert waited == [True], "receive() took no write lock"
    database = _database(pg_store.url)
    assert postgres_server.sql("SELECT count(*) FROM document_chunks WHERE job_id < 0", database) == "4"
    job_id = insert_job(pg_store)
    with pg_store.write() as tx:
        tx.add_document(job_id, 1, "application/pdf", "big", AttributeGroup(), document)
    kept = postgres_server.sql(f"SELECT count(*) FROM document_chunks WHERE job_id = {job_id}", database)
    assert kept == "4", "the chunks received are the document's"
    assert postgres_server.sql("SELECT count(*) FROM uploads", database) == "0"
    with pg_store.read() as tx:
        (record,) = tx.documents(job_id)
    with open_document(pg_store.document_source(record)) as data:
        assert data.read() == content


def test_a_received_document_not_kept_leaves_nothing(pg_store: PgStore,
                                                     postgres_server: PrivatePostgres) -> None:
    database = _database(pg_store.url)
    pg_store.receive(io.BytesIO(b"\0" * (CHUNK_BYTES + 1))).discard()
    abandoned = pg_store.receive(io.BytesIO(b"\1" * (CHUNK_BYTES + 1)))  # its process dies before recording
    assert isinstance(abandoned, StagedDocument)
    postgres_server.sql(f"UPDATE uploads SET pid = {dead_pid()}", database)
    assert postgres_server.sql("SELECT count(*) FROM uploads", database) == "1"
    pg_store.recover()
    assert postgres_server.sql("SELECT count(*) FROM uploads", database) == "0"
    assert postgres_server.sql("SELECT count(*) FROM document_chunks", database) == "0"
    assert pg_store.stored_documents() == {}


def test_a_small_document_comes_with_its_record_and_an_empty_one_is_kept(pg_store: PgStore) -> None:
    job_id = insert_job(pg_store)
    with pg_store.write() as tx:
        tx.add_document(job_id, 1, "application/pdf", "small", AttributeGroup(),
                        pg_store.receive(io.BytesIO(b"%PDF-small")))
        tx.add_document(job_id, 2, "application/pdf", "empty", AttributeGroup(),
                        pg_store.receive(io.BytesIO(b"")))
    with pg_store.read() as tx:
        assert [record.data for record in tx.documents(job_id, with_data=True)] == [b"%PDF-small", b""]
        assert tx.document_kept(job_id, 2)


def test_text_with_nul_is_kept_as_sent(pg_store: PgStore) -> None:
    """PostgreSQL's text cannot hold NUL: the store escapes it (and its escape character)."""
    names = ["report\x00.pdf", "\uffff0", "\uffffe\x00\uffff", "plain"]
    with pg_store.write() as tx:
        tx.ensure_printer("print", time.time())
        for name in names:
            tx.insert_job(NewJob(printer="print", owner=name, name=name, state=JOB_PENDING, reasons=["none"],
                                 created=time.time(), attributes=AttributeGroup(), priority=50))
    with pg_store.read() as tx:
        for name in names:
            (job,) = tx.select_jobs([JOB_PENDING], owner=name)
            assert (job.owner, job.name) == (name, name)


def test_the_database_stopped_is_unavailable_and_the_store_works_once_it_is_back(
        postgres_url: str, postgres_server: PrivatePostgres, tmp_path: Path) -> None:
    store = PgStore(postgres_url, tmp_path / "spool")
    store.timeout = 2.0
    try:
        job_id = insert_job(store)
        postgres_server.stop()
        try:
            with pytest.raises(StoreUnavailable), store.read() as tx:
                tx.job(job_id)
            with pytest.raises(StoreUnavailable), store.write() as tx:
                tx.update_job(job_id, name="lost")
            store.wake()  # never fails
        finally:
            postgres_server.start()

        def works() -> bool:
            try:
                with store.write() as tx:
                    tx.update_job(job_id, name="back")
            except StoreUnavailable:
                return False
            return True

        wait_for("the store to work again", works, timeout=60)
        with store.read() as tx:
            job = tx.job(job_id)
        assert job is not None and job.name == "back"
    finally:
        store.close()


def test_a_write_within_a_write_fails_instead_of_waiting_for_itself(pg_store: PgStore) -> None:
    with pg_store.write() as tx:
        tx.ensure_printer("print", time.time())
        with pytest.raises(StoreUnavailable), pg_store.write():
            pass
    with pg_store.read() as tx:
        assert tx.printer("print") is not None, "the outer write went ahead"


def test_a_spooler_answers_service_unavailable_while_the_database_is_down_and_prints_once_it_is_back(
        postgres_url: str, postgres_server: PrivatePostgres, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pg_module, "POOL_TIMEOUT", 2.0)
    spooler = embedded_spooler(tmp_path / "spool", postgres_url, [make_printer("print")])
    try:
        assert not spooler.local_reads and not spooler.local_writes, "requests to it go to the threads"
        before = submit(spooler, b"%PDF before").job_id
        wait_until(lambda: spooler.get_job(None, before).state == JOB_COMPLETED)
        postgres_server.stop()
        try:
            with pytest.raises(BackendError) as raised:
                submit(spooler, b"%PDF while down")
            assert raised.value.status == status.SERVER_ERROR_SERVICE_UNAVAILABLE
            time.sleep(1.5)  # the lease thread and the heartbeat fail a round or two meanwhile
        finally:
            postgres_server.start()

        after: list[int] = []

        def submitted() -> bool:
            try:
                after.append(submit(spooler, b"%PDF after").job_id)
            except StoreUnavailable:
                return False
            return True

        wait_for("the spooler to take a job again", submitted, timeout=60)
        (job_id,) = after
        wait_until(lambda: spooler.get_job(None, job_id).state == JOB_COMPLETED)
        assert job_id > before
    finally:
        spooler.close()


def test_an_upload_of_another_host_is_aborted_only_once_it_idles_past_the_timeout(
        postgres_url: str, postgres_server: PrivatePostgres, tmp_path: Path) -> None:
    """A receiver_pid is a pid of the host that receives: another host cannot tell whether it still runs."""
    spooler = embedded_spooler(tmp_path / "spool", postgres_url, [make_printer("print")], start=False,
                               incoming_timeout=60)
    try:
        job_id = spooler.create_job("print", JobRequest("alice", "uploading elsewhere")).job_id
        database = _database(postgres_url)
        postgres_server.sql(f"UPDATE jobs SET receiver_pid = {dead_pid()}, receiver_host = 'elsewhere:1'"
                            f" WHERE job_id = {job_id}", database)
        spooler.housekeeping()
        assert spooler.get_job(None, job_id).state != JOB_ABORTED, "its receiver may run on its host"
        postgres_server.sql(f"UPDATE jobs SET touched = touched - 61 WHERE job_id = {job_id}", database)
        spooler.housekeeping()
        assert spooler.get_job(None, job_id).state == JOB_ABORTED
    finally:
        spooler.close()


def test_an_upload_of_a_process_of_this_host_that_died_is_aborted_at_once(
        postgres_url: str, postgres_server: PrivatePostgres, tmp_path: Path) -> None:
    spooler = embedded_spooler(tmp_path / "spool", postgres_url, [make_printer("print")], start=False)
    try:
        job_id = spooler.create_job("print", JobRequest("alice", "uploading here")).job_id
        with spooler.store.write() as tx:
            tx.update_job(job_id, receiver_pid=dead_pid())
            assert tx.job(job_id).receiver_pid is not None  # type: ignore[union-attr]
        spooler.housekeeping()
        assert spooler.get_job(None, job_id).state == JOB_ABORTED
    finally:
        spooler.close()


def _use_in_child(store: PgStore, job_id: int, out: Connection) -> None:
    try:
        with store.write() as tx:
            tx.update_job(job_id, name="from the child")
        store.close()
        out.send("written")
    except BaseException as exc:
        out.send(repr(exc))


def test_a_store_used_before_fork_opens_a_pool_of_its_own_in_the_child(pg_store: PgStore) -> None:
    job_id = insert_job(pg_store)  # the parent's pool is open
    receive, send = FORK.Pipe(duplex=False)
    child = FORK.Process(target=_use_in_child, args=(pg_store, job_id, send))
    child.start()
    assert receive.recv() == "written"
    child.join()
    with pg_store.read() as tx:  # the child's exit ended none of the parent's sessions
        job = tx.job(job_id)
    assert job is not None and job.name == "from the child"


def test_a_database_that_cannot_be_reached_is_one_line_without_the_password(tmp_path: Path) -> None:
    url = f"postgresql://printing:s3cret@127.0.0.1:{free_port()}/jobs"
    with pytest.raises(StoreUnavailable) as raised:
        open_store(url, tmp_path / "spool")
    message = raised.value.message
    assert message.startswith("cannot open the job database postgresql://printing:***@127.0.0.1:")
    assert "s3cret" not in message and "\n" not in message
    assert "refused" in message.lower()


@pytest.mark.parametrize(("url", "shown"), [
    ("postgresql://u:pw@db.example:5432/jobs", "postgresql://u:***@db.example:5432/jobs"),
    ("postgres://u@db/jobs?password=pw&sslmode=require", "postgres://u@db/jobs?password=***&sslmode=require"),
    ("postgresql://db/jobs", "postgresql://db/jobs"),
])
def test_a_url_is_shown_without_its_password(url: str, shown: str) -> None:
    assert redact(url) == shown


def _write_and_wait(url: str, spool_dir: Path, idle_timeout: float, conn: Connection) -> None:
    """In a child process: begin a write of the store (the write lock held, a printer inserted), say so,
    wait for the word to commit, then say whether the commit went through."""
    store = PgStore(url, spool_dir)
    store.idle_timeout = idle_timeout
    try:
        with store.write() as tx:
            tx.ensure_printer("frozen", time.time())
            conn.send("writing")
            conn.recv()
        conn.send("committed")
    except StoreUnavailable:
        conn.send("failed")
    finally:
        store.close()


def test_a_host_stopped_inside_a_write_blocks_the_other_hosts_writes_only_until_the_server_ends_its_session(
        postgres_url: str, tmp_path: Path) -> None:
    """PostgreSQL only: SQLite's writers are the processes of one machine, whose lock a stopped process
    keeps as PostgreSQL's advisory lock would without ``idle_in_transaction_session_timeout``."""
    idle_timeout, margin = 2.0, 30.0
    ours, theirs = FORK.Pipe()
    child = FORK.Process(target=_write_and_wait,
                         args=(postgres_url, tmp_path / "child", idle_timeout, theirs))
    child.start()
    try:
        assert ours.poll(30) and ours.recv() == "writing"
        os.kill(child.pid or 0, signal.SIGSTOP)
        store = PgStore(postgres_url, tmp_path / "spool")
        done = threading.Event()

        def write() -> None:
            with store.write() as tx:
                tx.ensure_printer("print", time.time())
            done.set()

        started = time.monotonic()
        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        assert done.wait(idle_timeout + margin), "the stopped host's write lock is still held"
        assert time.monotonic() - started >= idle_timeout / 2, "the write did not wait for the lock"
        os.kill(child.pid or 0, signal.SIGCONT)
        ours.send("commit")
        assert ours.poll(30) and ours.recv() == "failed", "the stopped host's transaction went on"
        with store.read() as tx:
            assert tx.printer("print") is not None
            assert tx.printer("frozen") is None, "what the stopped host wrote is not there"
        store.close()
    finally:
        if child.is_alive():
            os.kill(child.pid or 0, signal.SIGCONT)
            child.kill()
        child.join(10)
