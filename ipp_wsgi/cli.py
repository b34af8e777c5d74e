"""The ``ipp-wsgi`` command: ``ipp-wsgi serve`` runs the IPP listener under gunicorn, ``ipp-wsgi spooler``
prints the embedded printers' jobs (``serve`` starts one beside its workers), ``ipp-wsgi passwd`` adds or
changes a user of an htpasswd file (``serve --htpasswd``)."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import getpass
import importlib
import ipaddress
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication

from ipp_wsgi import __version__
from ipp_wsgi.app import IppApplication
from ipp_wsgi.backends.embedded.store import StoreUnavailable, store_name
from ipp_wsgi.backends.embedded.store.definitions import DefinitionConflict
from ipp_wsgi.basic_auth import PROTECTED_PATHS, BasicAuth
from ipp_wsgi.child_process import ChildCommand
from ipp_wsgi.config import STORE_ENV, Config, ConfigError, load_config
from ipp_wsgi.dnssd.process import AdvertiserProcess
from ipp_wsgi.htpasswd import COSTS, DEFAULT_COST, Htpasswd, HtpasswdError, delete_user, set_password
from ipp_wsgi.logs import LOG_FORMATS, configure
from ipp_wsgi.metrics import MULTIPROC_ENV, clear_multiprocess_dir, process_exited
from ipp_wsgi.ops.service import (
    check_embedded_store,
    embedded_output_problems,
    encoded_description_attributes,
)
from ipp_wsgi.proxy import UNIX_SOCKET_UMASK, ProxySettings, ProxySettingsError, behind_proxy, proxy_settings
from ipp_wsgi.spooler_process import ForkedSpooler, freeze_shared_objects, prints_apart, run_spooler
from ipp_wsgi.worker.limits import SETTINGS, Limits

DEFAULT_BIND = "127.0.0.1:8631"
DEFAULT_WORKERS = 2
DEFAULT_THREADS = 8
DEFAULT_KEEPALIVE = 5
DEFAULT_WORKER_CONNECTIONS = 1000
# --worker-class choices -> gunicorn worker classes.
WORKER_CLASSES = {"ipp": "ipp_wsgi.worker.IppWorker", "gthread": "gthread"}
DEFAULT_WORKER_CLASS = "ipp"
PRELOADED = ("uvloop", "ipp_wsgi.backends.lp", "ipp_wsgi.codec.syntax")
"""Modules a worker would load on its own (the event loop; those the application loads when it first
needs them): the master loads them, so that every worker and the spooler process share them."""

_DESCRIPTION = """\
ipp-wsgi: an IPP (Internet Printing Protocol) print server that runs as a WSGI application.

Start it with `ipp-wsgi serve`, then add the printer on a client, e.g. with CUPS:
    lpadmin -p office -E -v ipp://SERVER:8631/ipp/print -m everywhere
or print to it directly with `lp -h SERVER:8631 -d print FILE`. Options: `ipp-wsgi serve --help`.
"""

_SERVE_DESCRIPTION = """\
Serve IPP over HTTP with gunicorn (worker class ipp_wsgi.worker.IppWorker, or gthread).

The printers come from the TOML file given with --config, or the embedded defaults: one printer "print"
at /ipp/print (also /printers/print) whose finished documents are written, named by job-id, to a folder
under the spool directory. Jobs and documents are kept in the spool directory, so jobs accepted survive a
restart of the server.

Each worker process (default worker class "ipp") runs an asyncio event loop (uvloop when installed) with
the httptools parser: cheap read-only requests (e.g. Get-Printer-Attributes) are answered in the loop,
small requests that only spool and record (e.g. a Print-Job of up to 64 KiB to the embedded spooler) one
after another on one thread of their own, everything else in a pool of --threads threads, the document
streamed to it. CUPS
clients keep their connection open between requests (Create-Job then Send-Document), wait for
"100 Continue" (sent as soon as the headers are read) and stream documents chunked: a slow upload
occupies one thread, not a whole worker. Measured on 2 cores (hello-world app, small POSTs), it answers
about 5 times as many requests per second as gunicorn's gthread worker; `--worker-class gthread` selects
gunicorn's own threaded worker instead. About one worker per core is a good start.

The jobs of the embedded printers are printed by a process of their own (what `ipp-wsgi spooler` runs),
forked from the master before the workers and named ipp-wsgi-spool (should it stop, a worker takes over).

Browser pages: http://HOST:PORT/ (printers, jobs), http://HOST:PORT/admin/ (actions, for authenticated
users); Prometheus metrics at /metrics.

An administrator out of the box: `ipp-wsgi passwd users.htpasswd admin` (asks the password), then
`ipp-wsgi serve --htpasswd users.htpasswd --admin admin`. Requests with good HTTP Basic credentials run as
that user (REMOTE_USER); /admin (the admin pages, and where cupsdisable, cupsenable and cancel -a post)
needs them. Administrators are the configuration's policy.admins plus each --admin. Add --certfile and
--keyfile to serve ipps:// (TLS) so that passwords never cross the network in the clear.

Behind Apache or nginx, let the web server authenticate and set REMOTE_USER instead (see deploy/). Behind
nginx, bind a Unix socket only nginx can reach (--bind unix:/run/ipp-wsgi/sock, created rw-rw---- for this
user and group) and name the header nginx passes the user in: IPP_WSGI_PROXY_USER_HEADER=X-Remote-User;
IPP_WSGI_TRUSTED_PROXIES (default: unix, the Unix socket) and IPP_WSGI_PROXY_SECRET_FILE say whom to
believe it from, as for deploy/gunicorn (see ipp_wsgi.proxy). --htpasswd and a proxy's user header do not
go together.
"""


_SPOOLER_DESCRIPTION = """\
Print the jobs of the embedded printers of the configuration, until stopped (SIGTERM).

One process prints the jobs of a spool directory at a time, the others stand by. `ipp-wsgi serve` starts
this command beside its workers; under another web server (Apache mod_wsgi), run it as a service of its
own with the same --config and --spool-dir as the WSGI application, or let one of the server's processes
print.
"""

_ADVERTISE_DESCRIPTION = """\
Advertise the printers of the configuration with DNS-SD (mDNS/Bonjour), until stopped (SIGTERM), so that
phones, laptops and CUPS find them: _ipp._tcp (and _ipps._tcp) with the _universal and _print subtypes,
and the TXT keys of the Bonjour Printing Specification, each from the printer's own IPP attributes.

`ipp-wsgi serve` runs this beside its workers; under another web server (Apache mod_wsgi, gunicorn run by
hand, a wrapped site) run it once, as a service of its own (deploy/systemd/ipp-wsgi-advertise.service),
with the same --config as the WSGI application. The address clients are told is the [dnssd] table's
(host, port, path_prefix, scheme): what the web server in front serves; --tls says that port serves
ipps:// only (serve passes it when it has --certfile). It registers with avahi-daemon over D-Bus where
avahi runs, else answers mDNS itself (python-zeroconf).
"""

_PASSWD_DESCRIPTION = """\
Add USER to the htpasswd FILE, or change their password, for `ipp-wsgi serve --htpasswd FILE`.

The password is asked twice on a terminal, else read from standard input (its first line), e.g.
    printf '%s\\n' "$PASSWORD" | ipp-wsgi passwd users.htpasswd admin
Entries are bcrypt hashes in the form Apache's `htpasswd -B` writes ($2y$): the same file serves Apache,
nginx and ipp-wsgi. A new file is made readable by its owner only (mode 0600).
"""

_SHARED_OPTIONS: dict[str, dict[str, Any]] = {
    "--config": {"metavar": "FILE", "help": "TOML configuration file (default: the embedded defaults)"},
    "--spool-dir": {"metavar": "DIR",
                    "help": "where jobs and documents are kept, overriding the configuration "
                            "(default $IPP_WSGI_SPOOL_DIR, else $XDG_STATE_HOME/ipp-wsgi, "
                            "else ~/.local/state/ipp-wsgi)"},
    "--store": {"metavar": "URL",
                "help": "the job store of the embedded printers, overriding $IPP_WSGI_STORE and the "
                        "configuration's store: sqlite (the default) or postgresql://user@host:port/db "
                        "(a password is best left to PGPASSFILE or PGPASSWORD)"},
    "--log-level": {"default": "info", "choices": ["debug", "info", "warning", "error", "critical"],
                    "help": "logging level (default info; info logs one line per IPP request)"},
    "--log-format": {"default": "text", "choices": list(LOG_FORMATS),
                     "help": "text, or json: one JSON object a line (default text)"},
}
"""The options ``serve`` and ``spooler`` share."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``ipp-wsgi`` command."""
    parser = argparse.ArgumentParser(
        prog="ipp-wsgi", description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser(
        "serve", help="serve IPP with gunicorn", description=_SERVE_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument("--bind", default=DEFAULT_BIND, metavar="HOST:PORT",
                       help=f"address to listen on (default {DEFAULT_BIND}; 0.0.0.0:PORT: every interface)")
    serve.add_argument("--workers", type=_positive, default=DEFAULT_WORKERS, metavar="N",
                       help=f"worker processes (default {DEFAULT_WORKERS})")
    serve.add_argument("--threads", type=_positive, default=DEFAULT_THREADS, metavar="N",
                       help=f"request threads per worker, for the requests that may block "
                            f"(default {DEFAULT_THREADS})")
    serve.add_argument("--worker-class", choices=sorted(WORKER_CLASSES), default=DEFAULT_WORKER_CLASS,
                       help=f"ipp: ipp-wsgi's asyncio worker; gthread: gunicorn's threaded worker "
                            f"(default {DEFAULT_WORKER_CLASS})")
    serve.add_argument("--keep-alive", type=_at_least_zero, default=DEFAULT_KEEPALIVE, metavar="SECONDS",
                       help=f"a connection must start a request within this time, new or kept alive; 0: "
                            f"one request per connection (default {DEFAULT_KEEPALIVE})")
    serve.add_argument("--worker-connections", type=_positive, default=DEFAULT_WORKER_CONNECTIONS,
                       metavar="N", help=f"connections per worker; at the limit the ipp worker class closes "
                                         f"the one waiting longest for its client (default "
                                         f"{DEFAULT_WORKER_CONNECTIONS})")
    defaults = Limits()
    for name, setting in SETTINGS.items():
        serve.add_argument(setting.option, dest=name, type=setting.parse, metavar=setting.metavar,
                           help=f"{setting.help} (default {getattr(defaults, name):g}, or "
                                f"${setting.variable}; worker class ipp)")
    for option, kwargs in _SHARED_OPTIONS.items():
        serve.add_argument(option, **kwargs)
    serve.add_argument("--access-log", action="store_true", help="log every request to stderr")
    serve.add_argument("--no-dnssd", dest="dnssd", action="store_false",
                       help="do not advertise the printers with DNS-SD (the configuration's [dnssd] "
                            "enabled = false); by default they are, where avahi or multicast is available")
    serve.add_argument("--htpasswd", metavar="FILE",
                       help="authenticate with HTTP Basic against this htpasswd file (bcrypt hashes, as "
                            "`ipp-wsgi passwd` or `htpasswd -B` write them); /admin then needs a password")
    serve.add_argument("--admin", action="append", default=[], metavar="USER",
                       help="an administrator besides the configuration's policy.admins (repeatable)")
    serve.add_argument("--certfile", metavar="PEM", help="TLS certificate: serve https and ipps://")
    serve.add_argument("--keyfile", metavar="PEM", help="the TLS certificate's private key")
    spooler = commands.add_parser(
        "spooler", help="print the jobs of the embedded printers", description=_SPOOLER_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    for option, kwargs in _SHARED_OPTIONS.items():
        spooler.add_argument(option, **kwargs)
    spooler.add_argument("--exit-with-parent", action="store_true", help=argparse.SUPPRESS)
    advertise = commands.add_parser(
        "advertise", help="advertise the printers with DNS-SD", description=_ADVERTISE_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    for option, kwargs in _SHARED_OPTIONS.items():
        advertise.add_argument(option, **kwargs)
    advertise.add_argument("--tls", action="store_true",
                           help="the address serves IPP over TLS only (ipps://): advertise _ipps._tcp, with "
                                "TLS=1.2, instead of _ipp._tcp (as [dnssd] scheme = \"ipps\" does)")
    advertise.add_argument("--bind", metavar="HOST:PORT", help=argparse.SUPPRESS)  # serve's, for its child
    advertise.add_argument("--exit-with-parent", action="store_true", help=argparse.SUPPRESS)
    passwd = commands.add_parser(
        "passwd", help="add or change a user of an htpasswd file", description=_PASSWD_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    passwd.add_argument("file", metavar="FILE", help="the htpasswd file (created when missing)")
    passwd.add_argument("user", metavar="USER", help="the user name")
    passwd.add_argument("--cost", type=int, choices=COSTS, default=DEFAULT_COST, metavar="N",
                        help=f"bcrypt cost, {COSTS.start} to {COSTS.stop - 1} (default {DEFAULT_COST})")
    passwd.add_argument("--delete", action="store_true", help="remove the user instead")
    return parser


def _positive(text: str) -> int:
    return _at_least(text, 1)


def _at_least_zero(text: str) -> int:
    return _at_least(text, 0)


def _at_least(text: str, least: int) -> int:
    value = int(text)
    if value < least:
        raise argparse.ArgumentTypeError(f"must be at least {least}, not {value}")
    return value


class GunicornServer(BaseApplication):  # type: ignore[misc]
    """gunicorn running :class:`IppApplication` of ``config``, one per worker process.

    The application (and so the print service and its threads) is built in each worker after the fork,
    never in the master, and closed when the worker exits.
    """

    def __init__(self, config: Config, options: dict[str, Any],
                 children: Sequence[ChildCommand | ForkedSpooler] = (), htpasswd: Path | None = None,
                 proxy: ProxySettings | None = None) -> None:
        self.ipp_config = config
        self.options = options
        self.children = list(children)
        """The spooler and advertiser processes, started by the master before it forks the workers."""
        self.htpasswd = htpasswd
        """The htpasswd file requests are authenticated against (None: the server authenticates nobody)."""
        self.proxy = proxy if proxy is not None else ProxySettings()
        """Whom to believe REMOTE_USER from (a proxy in front: never together with ``htpasswd``)."""
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)
        if self.children:
            self.cfg.set("when_ready", self._start_children)
            self.cfg.set("on_exit", self._stop_children)
        # gunicorn >= 25.1 opens a control socket at one path per user by default: several servers
        # (tests, one per printer set) would fight over it, and `ipp-wsgi serve` does not need it.
        if "control_socket_disable" in self.cfg.settings:
            self.cfg.set("control_socket_disable", True)

    def _start_children(self, server: Any) -> None:
        inherited = [listener.fileno() for listener in server.LISTENERS] + list(getattr(server, "PIPE", ()))
        for child in self.children:
            child.start(inherited)

    def _stop_children(self, server: Any) -> None:
        for child in reversed(self.children):
            child.stop()

    def load(self) -> Any:
        application = IppApplication(self.ipp_config)
        if self.htpasswd is None:
            return behind_proxy(application, self.proxy)
        protected = {*PROTECTED_PATHS, self.ipp_config.web.admin_path} - {""}
        return BasicAuth(application, Htpasswd(self.htpasswd), sorted(protected))


def _pre_fork(server: Any, worker: Any) -> None:
    freeze_shared_objects()  # the master's modules stay shared with the worker


def _child_exit(server: Any, worker: Any) -> None:
    process_exited(worker.pid)


def _worker_exit(server: Any, worker: Any) -> None:
    close = getattr(getattr(worker, "wsgi", None), "close", None)
    if callable(close):  # an IppApplication, or the ProxyUser or BasicAuth in front of it
        close()


def gunicorn_options(args: argparse.Namespace, proxy: ProxySettings | None = None) -> dict[str, Any]:
    """gunicorn settings for the parsed ``serve`` arguments (and the proxy settings)."""
    return {
        "forwarded_allow_ips": (proxy if proxy is not None else ProxySettings()).forwarded_allow_ips,
        "umask": UNIX_SOCKET_UMASK,
        "bind": [args.bind],
        "workers": args.workers,
        "worker_class": WORKER_CLASSES[args.worker_class],
        "threads": args.threads,
        "keepalive": args.keep_alive,
        "worker_connections": args.worker_connections,
        "raw_env": [f"{name}={value}" for name, value in worker_limits(args).environ().items()],
        "loglevel": args.log_level,
        "errorlog": "-",
        "accesslog": "-" if args.access_log else None,
        "proc_name": "ipp-wsgi",
        "preload_app": False,
        "pre_fork": _pre_fork,
        "worker_exit": _worker_exit,
        "child_exit": _child_exit,
        "logger_class": "ipp_wsgi.logs.GunicornLogger",
        "certfile": args.certfile,
        "keyfile": args.keyfile,
    }


def worker_limits(args: argparse.Namespace) -> Limits:
    """The worker's limits: the ``serve`` options given, else their environment variables, else the
    defaults; ConfigError for a bad variable."""
    try:
        limits = Limits.from_environ()
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    given = {name: getattr(args, name) for name in SETTINGS if getattr(args, name) is not None}
    return dataclasses.replace(limits, **given)


def serve(args: argparse.Namespace) -> int:
    """Run ``ipp-wsgi serve`` until the server is stopped."""
    config = serve_config(args)
    check_embedded_service(config)
    if args.store:  # the children started as commands (spooler, advertiser) use it too, off their argv
        os.environ[STORE_ENV] = args.store
    configure(args.log_level, args.log_format)
    log = logging.getLogger(__name__)
    htpasswd = _check_tls_and_users(args, log)
    proxy = proxy_settings()
    if htpasswd is not None and proxy.header is not None:
        raise ConfigError("--htpasswd and IPP_WSGI_PROXY_USER_HEADER: choose one (ipp-wsgi authenticates, or "
                          "the proxy in front does)")
    options = gunicorn_options(args, proxy)  # a bad limit stops the server here, before anything starts
    log.info(
        "serving %s from spool directory %s (job store %s) on %s",
        ", ".join(f"{printer.name} ({printer.paths[0]})" for printer in config.printers), config.spool_dir,
        store_name(config.store), args.bind,
    )
    made = _metrics_directory()
    _preload(config)
    try:
        children: list[ChildCommand | ForkedSpooler] = [ForkedSpooler(config)] if prints_apart(config) else []
        if config.dnssd.enabled and args.dnssd:
            tls = ["--tls"] if args.certfile else []  # the bind address serves ipps:// only
            children.append(AdvertiserProcess([*_forwarded(args), "--bind", args.bind, *tls]))
        GunicornServer(config, options, children, htpasswd, proxy).run()
    finally:
        if made is not None:
            shutil.rmtree(made, ignore_errors=True)
            os.environ.pop(MULTIPROC_ENV, None)  # it named the directory just removed
    return 0


def check_embedded_service(config: Config) -> None:
    """Stop here, with one clear line, when the embedded printers' job store or an output cannot be used:
    not with a traceback from every worker that opens the store, nor with every job aborted later; nor
    when its printers are not those another live host of the store serves."""
    try:
        check_embedded_store(config)
    except DefinitionConflict as exc:
        raise ConfigError(str(exc)) from None
    problems = embedded_output_problems(config)
    if problems:
        raise ConfigError("; ".join(problems))


def _preload(config: Config) -> None:
    """What every worker and the spooler process would build alike, built once in the master."""
    for name in PRELOADED:
        with contextlib.suppress(ImportError):  # uvloop is optional
            importlib.import_module(name)
    for printer in config.printers:
        if printer.backend != "cups":
            encoded_description_attributes(printer)


def _forwarded(args: argparse.Namespace) -> list[str]:
    """The shared options of ``args`` as arguments for a child command."""
    forwarded = ["--log-level", args.log_level, "--log-format", args.log_format]
    forwarded += ["--config", args.config] if args.config else []
    return forwarded + (["--spool-dir", args.spool_dir] if args.spool_dir else [])


def advertise(args: argparse.Namespace) -> int:
    """Run ``ipp-wsgi advertise`` until it is stopped."""
    config = load_config(args.config, spool_dir=args.spool_dir, store=args.store)
    configure(args.log_level, args.log_format)
    settings = config.dnssd.for_bind(args.bind) if args.bind else config.dnssd
    # Here, not at the top: only this command needs D-Bus and zeroconf, and the processes of `serve` (its
    # master, workers and spooler) are smaller without them.
    from ipp_wsgi.dnssd.advertiser import run_advertiser

    if args.tls:
        settings = settings.tls_only()
    return run_advertiser(config, settings, exit_with_parent=args.exit_with_parent)


def _metrics_directory() -> str | None:
    """Set up prometheus_client's multiprocess directory, so that the workers and the spooler process add
    up: a fresh one (returned, to remove at exit), or the one PROMETHEUS_MULTIPROC_DIR names, emptied."""
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        os.makedirs(given, exist_ok=True)
        clear_multiprocess_dir(given)
        return None
    made = tempfile.mkdtemp(prefix="ipp-wsgi-metrics-")
    os.environ[MULTIPROC_ENV] = made
    return made


def serve_config(args: argparse.Namespace) -> Config:
    """The configuration ``serve`` serves: the file's (or the defaults), with ``--spool-dir`` and the
    ``--admin`` users added to policy.admins."""
    config = load_config(args.config, spool_dir=args.spool_dir, store=args.store)
    if not args.admin:
        return config
    admins = config.policy.admins | frozenset(args.admin)
    return dataclasses.replace(config, policy=dataclasses.replace(config.policy, admins=admins))


def _check_tls_and_users(args: argparse.Namespace, log: logging.Logger) -> Path | None:
    """The htpasswd file (read once now, so that a bad one stops the server with one clear line)."""
    if bool(args.certfile) != bool(args.keyfile):
        raise ConfigError("--certfile and --keyfile go together")
    for option in ("certfile", "keyfile"):
        path = getattr(args, option)
        if path and not Path(path).is_file():
            raise ConfigError(f"--{option} {path}: no such file")
    if args.htpasswd is None:
        return None
    path = Path(args.htpasswd)
    try:
        Htpasswd(path)
    except (OSError, HtpasswdError, UnicodeDecodeError) as exc:
        raise ConfigError(f"--htpasswd {path}: {getattr(exc, 'strerror', None) or exc}") from None
    if not args.certfile and not _loopback(args.bind):
        log.warning("--htpasswd without --certfile: passwords cross the network in the clear")
    return path


def _loopback(bind: str) -> bool:
    host = bind.rsplit(":", 1)[0].strip("[]") if ":" in bind else bind
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def passwd(args: argparse.Namespace) -> int:
    """Run ``ipp-wsgi passwd``: add or change (or with --delete remove) a user of an htpasswd file."""
    path = Path(args.file)
    try:
        if args.delete:
            if not delete_user(path, args.user):
                print(f"ipp-wsgi passwd: no user {args.user} in {path}", file=sys.stderr)
                return 1
            print(f"Deleted {args.user} from {path}.")
            return 0
        password = _read_password()
        new = set_password(path, args.user, password, args.cost)
    except (HtpasswdError, OSError) as exc:
        print(f"ipp-wsgi passwd: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
        return 2
    print(f"{'Added' if new else 'Changed the password of'} {args.user} in {path}.")
    return 0


def _read_password() -> str:
    """The new password: asked twice on a terminal, else the first line of standard input."""
    if sys.stdin.isatty():
        password = getpass.getpass("New password: ")
        if getpass.getpass("Repeat it: ") != password:
            raise HtpasswdError("the passwords differ")
    else:
        password = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    if not password:
        raise HtpasswdError("empty password")
    return password


def spooler(args: argparse.Namespace) -> int:
    """Run ``ipp-wsgi spooler`` until it is stopped."""
    config = load_config(args.config, spool_dir=args.spool_dir, store=args.store)
    check_embedded_service(config)
    configure(args.log_level, args.log_format)
    return run_spooler(config, exit_with_parent=args.exit_with_parent)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ipp-wsgi`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "serve":
            return serve(args)
        if args.command == "spooler":
            return spooler(args)
        if args.command == "advertise":
            return advertise(args)
        if args.command == "passwd":
            return passwd(args)
    except (ConfigError, ProxySettingsError) as exc:
        print(f"ipp-wsgi: {exc}", file=sys.stderr)
        return 2
    except StoreUnavailable as exc:
        print(f"ipp-wsgi: {exc.message}", file=sys.stderr)
        return 1
    parser.error(f"unknown command {args.command}")
