"""gunicorn settings for ipp-wsgi:  gunicorn -c /etc/ipp-wsgi/gunicorn.conf.py

Every value can be set from the environment (a systemd unit's ``Environment=`` lines), so the file is
copied unchanged:

IPP_WSGI_BIND         address(es) to listen on, comma-separated (default 127.0.0.1:8631); ignored when
                      systemd passes a socket (ipp-wsgi.socket), which is how port 631 works without root
IPP_WSGI_WORKERS      worker processes (default 2); IPP_WSGI_THREADS: threads in each (default 8)
IPP_WSGI_CERTFILE     TLS certificate (PEM) and IPP_WSGI_KEYFILE its key: serve ipps:// (printer URIs
                      become ipps://), otherwise plain ipp://
IPP_WSGI_CONFIG       the ipp-wsgi TOML configuration (default: the built-in one)
IPP_WSGI_PROXY_USER_HEADER, IPP_WSGI_TRUSTED_PROXIES
                      behind nginx: take REMOTE_USER from this header, from these addresses only
                      (see ipp_wsgi.proxy)
IPP_WSGI_ACCESS_LOG   access log file, "-" for stderr (default: none); the error log goes to stderr
IPP_WSGI_CLIENT_TIMEOUT
                      seconds a client may stay silent in the middle of a request (default 60)
"""

from __future__ import annotations

import os
from typing import Any

_env = os.environ.get

# The app (and its spooler threads) is built in each worker after the fork, never in the master.
wsgi_app = "ipp_wsgi.proxy:from_environ()"
preload_app = False

bind = [address.strip() for address in _env("IPP_WSGI_BIND", "127.0.0.1:8631").split(",")]
# gthread: a slow, chunked document upload holds a thread, not a whole worker; CUPS clients keep the
# connection open between Create-Job and Send-Document. Measured with benchmarks/server_bench.py on 2 cores:
# the sync worker (no keep-alive) answers Get-Printer-Attributes no faster (about 4,300/s small, 3,600/s
# with "all", 8 connections, against gthread's 4,300 and 4,100), and 2x8, 3x4 and 4x2 workers x threads
# are within the noise of each other; so gthread, about one worker per core, 8 threads each.
worker_class = "gthread"
workers = int(_env("IPP_WSGI_WORKERS", "2"))
threads = int(_env("IPP_WSGI_THREADS", "8"))
# Slow clients. gthread closes a connection that sends no request within ``keepalive`` seconds (a new
# connection, or an idle kept-alive one). Once a request's headers are in, gunicorn itself puts no bound on
# the reads of its body: a client that sends headers and then stalls would hold a thread until TCP gives
# up (hours), so pre_request below gives each request's socket a timeout of client_timeout seconds: a
# read or write that makes no progress for that long fails and the connection is dropped (the document
# received so far is discarded, no job is made). It bounds silence, not duration: a slow but steady upload
# of any size goes on. ``timeout`` is the worker heartbeat: gthread beats from its main loop, so requests
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

# X-Forwarded-Proto from these addresses makes wsgi.url_scheme https (nginx terminating TLS).
forwarded_allow_ips = _env("IPP_WSGI_TRUSTED_PROXIES", "127.0.0.1,::1")

proc_name = "ipp-wsgi"
loglevel = _env("IPP_WSGI_LOG_LEVEL", "info")
errorlog = "-"
accesslog = _env("IPP_WSGI_ACCESS_LOG") or None
access_log_format = '%(h)s %(u)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
# The per-user control socket of gunicorn >= 25.1 is not needed; older versions ignore the name.
control_socket_disable = True


def pre_request(worker: Any, req: Any) -> None:
    """Bound each read and write of this request's connection by ``client_timeout`` (see above)."""
    sock = getattr(getattr(req, "unreader", None), "sock", None)
    if sock is not None:
        sock.settimeout(client_timeout)


def worker_exit(server: Any, worker: Any) -> None:
    """Stop the print service's threads when a worker exits."""
    close = getattr(getattr(worker, "wsgi", None), "close", None)
    if callable(close):
        close()
