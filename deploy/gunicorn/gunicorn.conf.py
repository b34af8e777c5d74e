"""gunicorn settings for ipp-wsgi:  gunicorn -c /etc/ipp-wsgi/gunicorn.conf.py

Every value can be set from the environment (a systemd unit's ``Environment=`` lines), so the file is
copied unchanged:

IPP_WSGI_BIND         address(es) to listen on, comma-separated (default 127.0.0.1:8631); ignored when
                      systemd passes a socket (ipp-wsgi.socket), which is how port 631 works without root.
                      Behind nginx: unix:/run/ipp-wsgi/gunicorn.sock (deploy/nginx), a Unix socket created
                      rw-rw---- for gunicorn's user and group, so only nginx (in that group) reaches it
IPP_WSGI_WORKERS      worker processes (default 2); IPP_WSGI_THREADS: threads in each (default 8)
IPP_WSGI_WORKER_CLASS ipp (default: ipp_wsgi.worker.IppWorker) or gthread (gunicorn's threaded worker)
IPP_WSGI_CERTFILE     TLS certificate (PEM) and IPP_WSGI_KEYFILE its key: serve ipps:// (printer URIs
                      become ipps://), otherwise plain ipp://
IPP_WSGI_CONFIG       the ipp-wsgi TOML configuration (default: the built-in one)
IPP_WSGI_PROXY_USER_HEADER, IPP_WSGI_TRUSTED_PROXIES, IPP_WSGI_PROXY_SECRET_FILE
                      behind nginx: take REMOTE_USER from this header, only from these proxies (default
                      "unix": over the Unix socket; addresses need the secret nginx sends), as
                      `ipp-wsgi serve` does (see ipp_wsgi.proxy); a setting that cannot be used stops
                      gunicorn at once with one line saying why
IPP_WSGI_ACCESS_LOG   access log file, "-" for stderr (default: none); the error log goes to stderr
IPP_WSGI_LOG_LEVEL    debug, info (default: one line per IPP request), warning, error
IPP_WSGI_LOG_FORMAT   text (default) or json: one JSON object a line, gunicorn's lines included
PROMETHEUS_MULTIPROC_DIR
                      where the workers and the spooler process keep their metrics so that /metrics adds
                      them up (default: a fresh temporary directory, removed at exit; a given one is
                      emptied at start)
IPP_WSGI_CLIENT_TIMEOUT
                      seconds a client may stay silent in the middle of a request (default 60)
IPP_WSGI_HEADER_TIMEOUT, IPP_WSGI_BODY_MIN_RATE, IPP_WSGI_UPLOAD_THREADS
                      the ipp worker class's other limits on slow clients (defaults 20 s, 500 bytes/s, 0:
                      as many upload threads as IPP_WSGI_THREADS; see ipp_wsgi.worker.limits)
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any

from ipp_wsgi.logs import configure
from ipp_wsgi.metrics import MULTIPROC_ENV, clear_multiprocess_dir, process_exited
from ipp_wsgi.proxy import UNIX_SOCKET_UMASK, ProxySettingsError, proxy_settings

_env = os.environ.get

try:  # checked here, in the master, so that a bad setting stops gunicorn before any worker starts
    _proxy = proxy_settings()
except ProxySettingsError as exc:
    raise SystemExit(f"ipp-wsgi: {exc}") from None

# The app is built in each worker after the fork, never in the master; the jobs print in the process
# `ipp-wsgi spooler` that when_ready (below) starts before the workers.
wsgi_app = "ipp_wsgi.proxy:from_environ()"
preload_app = False

bind = [address.strip() for address in _env("IPP_WSGI_BIND", "127.0.0.1:8631").split(",")]
# ipp_wsgi.worker.IppWorker: an asyncio event loop (uvloop) with the httptools parser in each worker.
# Cheap read-only requests (Get-Printer-Attributes, Get-Jobs of a local spooler: the application's
# quick_request) are answered in the loop; the others (documents, jobs) in ``threads`` threads, the document
# streamed to them, so a slow chunked upload holds a thread, not a worker; CUPS clients keep the connection
# open between Create-Job and Send-Document. Measured on 2 cores (wrk, 8 connections, small POSTs to a
# hello-world app): gthread 2x8 about 15,000 requests/s, sync 10,800, this worker about 78,000 answered in the
# loop and 33,000 through its threads; a 1 GiB upload streams at over 2 GiB/s with flat memory. gthread
# stays selectable with IPP_WSGI_WORKER_CLASS=gthread. About one worker per core, 8 threads each.
_worker_classes = {"ipp": "ipp_wsgi.worker.IppWorker", "gthread": "gthread"}
worker_class = _worker_classes[_env("IPP_WSGI_WORKER_CLASS", "ipp")]
workers = int(_env("IPP_WSGI_WORKERS", "2"))
threads = int(_env("IPP_WSGI_THREADS", "8"))
# Slow clients. A connection must start a request within ``keepalive`` seconds (a new connection, or an
# idle kept-alive one). Within a request, a client silent for IPP_WSGI_CLIENT_TIMEOUT seconds (headers or
# body incomplete), or one that reads none of our response for that long, is disconnected (the document
# received so far is discarded, no job is made). It bounds silence, not duration: a slow but steady upload
# of any size goes on. IppWorker reads IPP_WSGI_CLIENT_TIMEOUT itself (a once-a-second sweep), and the
# other IPP_WSGI_* limits above (a deadline for request heads, a minimum rate for bodies, threads of their
# own for uploads; at worker_connections, 1000, the longest-waiting idle connection makes room); with
# gthread, whose reads of a body have no bound of their own, pre_request below gives each request's socket
# that timeout. ``timeout`` is the worker heartbeat: both workers beat from their main loop, so requests
# (however long) never trip it; it only restarts a worker that hung. ``graceful_timeout``: on stop or
# reload, requests in progress get this long to finish.
keepalive = 10
client_timeout = int(_env("IPP_WSGI_CLIENT_TIMEOUT", "60"))
timeout = 300
graceful_timeout = 30

# Request line and headers only: document bodies are streamed and bounded by max_document_bytes.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

certfile = _env("IPP_WSGI_CERTFILE") or None
keyfile = _env("IPP_WSGI_KEYFILE") or None

# X-Forwarded-Proto from the trusted proxies makes wsgi.url_scheme https (nginx terminating TLS): those on
# the Unix socket, and the addresses IPP_WSGI_TRUSTED_PROXIES lists.
forwarded_allow_ips = _proxy.forwarded_allow_ips
# A unix: bind is created rw-rw---- (gunicorn's user and group only).
umask = UNIX_SOCKET_UMASK

proc_name = "ipp-wsgi"
loglevel = _env("IPP_WSGI_LOG_LEVEL", "info")
# ipp-wsgi's own lines (one per IPP request, request_log) and gunicorn's, in IPP_WSGI_LOG_FORMAT; set up
# here, in the master, so that the workers it forks inherit it.
configure(loglevel, _env("IPP_WSGI_LOG_FORMAT", "text"))
logger_class = "ipp_wsgi.logs.GunicornLogger"
errorlog = "-"
accesslog = _env("IPP_WSGI_ACCESS_LOG") or None
access_log_format = '%(h)s %(u)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
# The per-user control socket of gunicorn >= 25.1 is not needed; older versions ignore the name.
control_socket_disable = True


def pre_request(worker: Any, req: Any) -> None:
    """gthread: bound each read and write of this request's connection by ``client_timeout`` (see above);
    IppWorker enforces the timeout itself and never calls this hook."""
    sock = getattr(getattr(req, "unreader", None), "sock", None)
    if sock is not None:
        sock.settimeout(client_timeout)


_spooler: Any = None
# Metrics: every process of this server (workers, spooler) counts into one directory (before any of them
# starts), so that a scrape of /metrics by any worker adds them all up.
_metrics_dir: str | None = None
if _env(MULTIPROC_ENV):
    os.makedirs(os.environ[MULTIPROC_ENV], exist_ok=True)
    clear_multiprocess_dir(os.environ[MULTIPROC_ENV])
else:
    _metrics_dir = os.environ[MULTIPROC_ENV] = tempfile.mkdtemp(prefix="ipp-wsgi-metrics-")


def when_ready(server: Any) -> None:
    """Before the workers start: ``ipp-wsgi spooler``, the process that prints the jobs (printing threads in
    a worker would take turns with its request threads for the GIL); should it stop, a worker prints."""
    global _spooler
    from ipp_wsgi.config import load_config
    from ipp_wsgi.spooler_process import spooler_process

    config_file = _env("IPP_WSGI_CONFIG") or None
    _spooler = spooler_process(load_config(config_file), config_file, loglevel,
                               _env("IPP_WSGI_LOG_FORMAT", "text"))
    if _spooler is not None:
        _spooler.start()


def on_exit(server: Any) -> None:
    """Stop the spooler process (it also ends by itself when the master dies); remove the metrics
    directory made for this run."""
    if _spooler is not None:
        _spooler.stop()
    if _metrics_dir is not None:
        shutil.rmtree(_metrics_dir, ignore_errors=True)


def child_exit(server: Any, worker: Any) -> None:
    """Forget the live gauges of a worker that exited."""
    process_exited(worker.pid)


def worker_exit(server: Any, worker: Any) -> None:
    """Stop the print service's threads when a worker exits."""
    close = getattr(getattr(worker, "wsgi", None), "close", None)
    if callable(close):
        close()
