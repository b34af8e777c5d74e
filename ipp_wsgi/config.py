"""The server configuration: a TOML file (stdlib :mod:`tomllib`) read into a frozen :class:`Config`.

The built-in defaults are the package's ``default_config.toml`` (one printer ``print`` at ``/ipp/print``
and ``/printers/print``, embedded spooler, documents written to a directory under the spool directory);
that file documents every key. Every key of a file is optional: one without ``[[printers]]`` serves the
built-in printer.
"""

from __future__ import annotations

import functools
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from ipp_wsgi.backends.cups import CUPS_KEYS, CupsConnection
from ipp_wsgi.backends.embedded.job_limits import JobLimits
from ipp_wsgi.backends.embedded.printer import (
    COMMAND_KEYS,
    DEVICE_KEYS,
    DEVICE_SCHEMES,
    FILE_KEYS,
    OUTPUT_COMMAND,
    OUTPUT_FILE,
    OUTPUTS,
    EmbeddedPrinter,
    device_options,
)
from ipp_wsgi.codec import Limits, Range
from ipp_wsgi.dnssd.settings import DnssdSettings
from ipp_wsgi.ops.policy import DEFAULT_METRICS_READERS, Location, Policy, operation_code
from ipp_wsgi.ops.printer_description import URI_AUTHENTICATION, PrinterDescription, media_size
from ipp_wsgi.ops.privacy import PRIVACY_ATTRIBUTES, PRIVACY_SCOPE, PRIVACY_SCOPES
from ipp_wsgi.ops.service import BACKENDS, PrinterConfig
from ipp_wsgi.web.settings import WebSettings

__all__ = ["Config", "ConfigError", "PrinterConfig", "default_spool_dir", "load_config"]

SPOOL_DIR_ENV = "IPP_WSGI_SPOOL_DIR"
STORE_ENV = "IPP_WSGI_STORE"
"""The job store of the embedded printers, overriding the file's ``store`` (``ipp-wsgi serve --store``
overrides both)."""
DEFAULT_STORE = "sqlite"
_PG_SCHEMES = ("postgresql://", "postgres://")
MIN_EVENT_LIFE = 15
LP_KEYS = ("lp_server", "lp_timeout")
_EMBEDDED_KEYS = ("output", "output_dir", "command", *DEVICE_KEYS)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,126}")
_T = TypeVar("_T")


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Config:
    """Everything the server needs to start."""

    spool_dir: Path
    printers: tuple[PrinterConfig, ...]
    policy: Policy
    limits: Limits
    max_document_bytes: int | None
    """None: no limit."""
    history_seconds: int = 86400
    history_jobs: int = 1000
    spooler_workers: int = 1
    event_life: int = 300
    """ippget-event-life: seconds events stay fetchable by Get-Notifications."""
    job_limits: JobLimits = field(default_factory=JobLimits)
    """Active jobs and spool space limits of the embedded spooler."""
    dnssd: DnssdSettings = field(default_factory=DnssdSettings)
    """DNS-SD advertising (``[dnssd]``)."""
    web: WebSettings = field(default_factory=WebSettings)
    """Where the browser pages and the metrics live."""
    store: str = DEFAULT_STORE
    """The job store of the embedded printers: ``sqlite`` (the database of the spool directory) or a
    ``postgresql://user@host:port/db`` URL (a database several hosts share; the password, if any, best
    from libpq's ``PGPASSFILE`` or ``PGPASSWORD``)."""


def check_store(url: str) -> str:
    """``url`` if it names a job store (``sqlite``, a ``postgresql://`` or ``postgres://`` URL), else
    :class:`ConfigError` (the URL shown without a password)."""
    if url == DEFAULT_STORE or (url.lower().startswith(_PG_SCHEMES) and len(url) > url.index("://") + 3):
        return url
    from ipp_wsgi.backends.embedded.store import store_name

    raise ConfigError(f"store {store_name(url)!r}: use sqlite or a postgresql://user@host:port/database URL")


def default_spool_dir() -> Path:
    """$IPP_WSGI_SPOOL_DIR, else $XDG_STATE_HOME/ipp-wsgi, else ~/.local/state/ipp-wsgi (no root needed)."""
    if os.environ.get(SPOOL_DIR_ENV):
        return Path(os.environ[SPOOL_DIR_ENV])
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "ipp-wsgi"


class _Table:
    """A TOML table read key by key; keys never read are reported as unknown."""

    def __init__(self, data: dict[str, Any], where: str) -> None:
        self.data = data
        self.where = where
        self._read: set[str] = set()

    def get(self, key: str, kind: type[_T] | tuple[type, ...], default: _T) -> _T:
        self._read.add(key)
        if key not in self.data:
            return default
        value = self.data[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
            raise ConfigError(f"{self.where}: {key} has the wrong type ({type(value).__name__})")
        return value  # type: ignore[return-value]

    def strings(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = self.get(key, list, list(default))
        if not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{self.where}: {key} must be a list of strings")
        return tuple(value)

    def present(self, keys: tuple[str, ...]) -> dict[str, Any]:
        """The values of those of ``keys`` the table has."""
        self._read.update(keys)
        return {key: self.data[key] for key in keys if key in self.data}

    def table(self, key: str) -> _Table:
        return _Table(self.get(key, dict, {}), f"{self.where}.{key}" if self.where else key)

    def done(self) -> None:
        unknown = sorted(set(self.data) - self._read)
        if unknown:
            raise ConfigError(f"{self.where or 'top level'}: unknown key {unknown[0]!r}")


def _codes(table: _Table, key: str) -> frozenset[int]:
    try:
        return frozenset(operation_code(name) for name in table.strings(key, ()))
    except ValueError as exc:
        raise ConfigError(f"{table.where}: {exc}") from None


def _policy(table: _Table) -> Policy:
    presets: dict[str, Callable[..., Policy]] = {"default": Policy.default, "solaris": Policy.solaris}
    preset = table.get("preset", str, "default")
    admins = table.strings("admins", ())
    metrics = table.strings("metrics", tuple(sorted(DEFAULT_METRICS_READERS)))
    locations = table.get("location", list, [])
    table.done()
    if preset not in presets:
        raise ConfigError(f"policy: unknown preset {preset!r} (default, solaris)")
    if not locations:
        return replace(presets[preset](admins), metrics_readers=frozenset(metrics))
    parsed = []
    for index, raw in enumerate(locations):
        loc = _Table(raw if isinstance(raw, dict) else {}, f"policy.location[{index}]")
        path = loc.get("path", str, "")
        if not path.startswith("/"):
            raise ConfigError(f"{loc.where}: path must start with /")
        operations = loc.data.get("operations", "all")
        enabled = None if operations == "all" else _codes(loc, "operations")
        loc.get("operations", (str, list), "all")
        parsed.append(Location(path, enabled, _codes(loc, "authenticated"), _codes(loc, "admin")))
        loc.done()
    return Policy(tuple(parsed), frozenset(admins), frozenset(metrics))


def _web(table: _Table) -> WebSettings:
    """The ``[web]`` table: absolute paths ("" turns off the admin pages or the metrics)."""
    base = WebSettings()
    explicit = bool(table.data)
    path = table.get("path", str, base.path)
    admin = table.get("admin_path", str, base.admin_path)
    metrics = table.get("metrics_path", str, base.metrics_path)
    secret = table.get("secret", str, base.secret)
    page_size = table.get("page_size", int, base.page_size)
    table.done()
    for key, value in (("path", path), ("admin_path", admin), ("metrics_path", metrics)):
        if (value or key == "path") and not (value.startswith("/") and "//" not in value):
            raise ConfigError(f"web: {key} must be an absolute path")
    paths = [p.rstrip("/") or "/" for p in (path, admin, metrics) if p]
    if len(set(paths)) != len(paths):
        raise ConfigError("web: path, admin_path and metrics_path must differ")
    if page_size < 1:
        raise ConfigError("web: page_size must be at least 1")
    return WebSettings(path.rstrip("/") or "/", admin.rstrip("/"), metrics.rstrip("/"), secret, page_size,
                       explicit)


_DESCRIPTION_KEYS = {f.name.replace("_", "-"): f for f in fields(PrinterDescription) if f.name != "extra"}


def _description(table: _Table) -> PrinterDescription:
    base = PrinterDescription()
    values: dict[str, Any] = {}
    for key, spec in _DESCRIPTION_KEYS.items():
        default = getattr(base, spec.name)
        if isinstance(default, tuple):
            values[spec.name] = tuple(table.get(key, list, list(default)))
        elif spec.name == "geo_location":
            values[spec.name] = table.get(key, str, "") or None
        else:
            values[spec.name] = table.get(key, type(default), default)
    values["extra"] = table.get("attributes", dict, {})
    description = PrinterDescription(**values)
    _check_description(description, table.where)
    return description


def _check_description(d: PrinterDescription, where: str) -> None:
    try:
        for name in d.media:
            media_size(name)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    checks = [
        (bool(d.media), "media must not be empty"),
        (d.media_default in d.media, "media-default must be one of media"),
        (set(d.media_ready) <= set(d.media), "media-ready must be among media"),
        (bool(d.document_formats), "document-formats must not be empty"),
        (d.document_format_default in d.document_formats,
         "document-format-default must be one of document-formats"),
        (bool(d.sides) and d.sides_default in d.sides, "sides-default must be one of sides"),
        (bool(d.resolutions) and all(isinstance(r, int) and r > 0 for r in d.resolutions),
         "resolutions must be positive integers (dpi)"),
        (bool(d.media_types) and bool(d.media_sources), "media-types and media-sources must not be empty"),
        (bool(d.output_bins), "output-bins must not be empty"),
        (d.copies_max >= 1, "copies-max must be at least 1"),
        (d.uri_authentication in URI_AUTHENTICATION,
         f"uri-authentication must be one of {', '.join(sorted(URI_AUTHENTICATION))}"),
    ]
    for ok, message in checks:
        if not ok:
            raise ConfigError(f"{where}: {message}")


def _printer(raw: object, index: int, base_dir: Path | None) -> PrinterConfig:
    table = _Table(raw if isinstance(raw, dict) else {}, f"printers[{index}]")
    name = table.get("name", str, "")
    if not _NAME.fullmatch(name):
        raise ConfigError(f"{table.where}: name must be letters, digits, '-', '_' or '.'")
    table.where = f"printer {name!r}"
    paths = table.strings("paths", (f"/ipp/{name}", f"/printers/{name}"))
    if not paths or not all(p.startswith("/") and p.rstrip("/") for p in paths):
        raise ConfigError(f"{table.where}: paths must be absolute paths below /")
    cups_path = f"/printers/{name}"  # what CUPS clients (lp -h SERVER -d NAME) send documents to
    if cups_path not in (p.rstrip("/") for p in paths):
        paths = (*paths, cups_path)
    backend = table.get("backend", str, "embedded")
    if backend not in BACKENDS:
        raise ConfigError(f"{table.where}: unknown backend {backend!r} ({', '.join(BACKENDS)})")
    common: dict[str, Any] = {"name": name, "paths": tuple(p.rstrip("/") for p in paths), "backend": backend}
    try:
        if backend == "cups":
            printer = _cups_printer(table, common)
        elif backend == "lp":
            printer = _lp_printer(table, common)
        else:
            printer = _embedded_printer(table, common, base_dir)
    except ConfigError:
        raise
    except ValueError as exc:
        raise ConfigError(f"{table.where}: {exc}") from None
    table.done()
    return printer


def _refuse(table: _Table, keys: tuple[str, ...], why: str) -> None:
    """Reject any of ``keys`` present in ``table``: they do not apply to this printer."""
    given = sorted(table.present(keys))
    if given:
        raise ConfigError(f"{table.where}: {given[0]} {why}")


def _cups_printer(table: _Table, common: dict[str, Any]) -> PrinterConfig:
    """A ``backend = "cups"`` printer: the CUPS queue of the same name; CUPS describes it."""
    _refuse(table, _EMBEDDED_KEYS, "is for embedded printers only")
    _refuse(table, LP_KEYS, "is for lp printers only")
    _refuse(table, (*_DESCRIPTION_KEYS, "attributes"), "is not used: CUPS describes its queues")
    return PrinterConfig(**common, cups=CupsConnection.from_options(table.present(CUPS_KEYS)))


def _lp_printer(table: _Table, common: dict[str, Any]) -> PrinterConfig:
    """A ``backend = "lp"`` printer: the System V commands' destination of the same name."""
    _refuse(table, _EMBEDDED_KEYS, "is for embedded printers only")
    _refuse(table, CUPS_KEYS, "is for cups printers only")
    server = table.get("lp_server", str, "")
    timeout = table.get("lp_timeout", (int, float), 30.0)
    if isinstance(timeout, bool) or timeout <= 0:
        raise ConfigError(f"{table.where}: lp_timeout must be a positive number")
    return PrinterConfig(**common, description=_description(table), lp_server=server or None,
                         lp_timeout=float(timeout))


def _embedded_printer(table: _Table, common: dict[str, Any], base_dir: Path | None) -> PrinterConfig:
    """A ``backend = "embedded"`` printer: ipp-wsgi spools, ``output`` delivers."""
    _refuse(table, CUPS_KEYS, "is for cups printers only")
    _refuse(table, LP_KEYS, "is for lp printers only")
    output = table.get("output", str, "directory")
    if output not in OUTPUTS:
        raise ConfigError(f"{table.where}: output must be one of {', '.join(OUTPUTS)}")
    device = table.present(DEVICE_KEYS)
    refused = sorted(set(device) - set(_output_keys(output)))
    if refused:
        outputs = ", ".join(name for name in OUTPUTS if refused[0] in _output_keys(name))
        raise ConfigError(f"{table.where}: {refused[0]} is for outputs {outputs} only")
    options = device_options(device, output)
    output_dir = table.get("output_dir", str, "")
    printer = PrinterConfig(
        **common,
        output=output,
        output_dir=_path(output_dir, base_dir) if output_dir else None,
        command=table.strings("command", ()),
        description=_description(table),
        device_uri=options["device_uri"],
        device_timeout=options["device_timeout"],
        retry=options["retry"],
    )
    try:  # the embedded printer checks output, command and device_uri together
        EmbeddedPrinter(printer.name, output=printer.output, command=printer.command,
                        device_uri=printer.device_uri)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None  # it names the printer
    return printer


def _output_keys(output: str) -> tuple[str, ...]:
    """The keys of DEVICE_KEYS a printer with ``output`` takes."""
    if output in DEVICE_SCHEMES:
        return DEVICE_KEYS
    return {OUTPUT_COMMAND: COMMAND_KEYS, OUTPUT_FILE: FILE_KEYS}.get(output, ())


def _path(value: str, base_dir: Path | None) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() or base_dir is None else base_dir / path


def _limits(table: _Table) -> Limits:
    base = Limits()
    values = {f.name: table.get(f.name, int, getattr(base, f.name)) for f in fields(Limits)}
    table.done()
    if any(v <= 0 for v in values.values()):
        raise ConfigError("limits: every limit must be positive")
    return Limits(**values)


_JOB_LIMIT_KEYS = ("max_jobs", "max_jobs_per_user", "max_spool_bytes", "min_free_bytes")


def _jobs(table: _Table) -> tuple[JobLimits, dict[str, Any]]:
    """The ``[jobs]`` table: the spooler's limits (0: none) and the job privacy printer attributes."""
    values = {key: table.get(key, int, 0) for key in _JOB_LIMIT_KEYS}
    if any(value < 0 for value in values.values()):
        raise ConfigError("jobs: limits must not be negative (0: no limit)")
    private = table.strings("private_values", ("default",))
    scope = table.get("private_access", str, "default")
    table.done()
    if scope not in PRIVACY_SCOPES:
        raise ConfigError(f"jobs: private_access must be one of {', '.join(PRIVACY_SCOPES)}")
    if not private or not all(value and value == value.strip() for value in private):
        raise ConfigError("jobs: private_values must list attribute names or keywords")
    limits = JobLimits(**{key: value or None for key, value in values.items()})
    return limits, {PRIVACY_ATTRIBUTES: list(private), PRIVACY_SCOPE: scope}


def _dnssd(table: _Table, printers: tuple[PrinterConfig, ...]) -> DnssdSettings:
    """The ``[dnssd]`` table: whether, how and at which public address the printers are advertised."""
    base = DnssdSettings()
    values: dict[str, Any] = {}
    for spec in fields(DnssdSettings):
        default = getattr(base, spec.name)
        if isinstance(default, tuple):
            values[spec.name] = table.strings(spec.name, default)
        else:
            values[spec.name] = table.get(spec.name, type(default), default)
    table.done()
    settings = DnssdSettings(**values)
    problem = settings.check()
    unknown = sorted(set(settings.printers) - {p.name for p in printers})
    if problem is None and unknown:
        problem = f"printers: no printer {unknown[0]!r}"
    if problem is not None:
        raise ConfigError(f"dnssd: {problem}")
    return settings


def _with_extra(printer: PrinterConfig, extra: dict[str, Any]) -> PrinterConfig:
    """``printer`` with ``extra`` description attributes (a printer's own ``attributes`` win); a cups
    printer is described by CUPS, so it is returned as it is."""
    if printer.backend == "cups" or not extra:
        return printer
    description = replace(printer.description, extra={**extra, **printer.description.extra})
    return replace(printer, description=description)


def _parse(data: dict[str, Any], base_dir: Path | None) -> Config:
    top = _Table(data, "")
    spool = top.get("spool_dir", str, "")
    store = check_store(top.get("store", str, DEFAULT_STORE))
    max_doc = top.get("max_document_bytes", int, 0)
    history, spooler, notifications = top.table("history"), top.table("spooler"), top.table("notifications")
    job_limits, extra = _jobs(top.table("jobs"))
    if max_doc > 0:  # job-k-octets-supported tells clients the limit before they send
        extra["job-k-octets-supported"] = Range(0, -(-max_doc // 1024))
    listed = top.get("printers", list, _builtin_printers())
    if not listed:
        raise ConfigError("printers is empty: list at least one [[printers]], or leave printers out for the "
                          "built-in printer")
    printers = tuple(_with_extra(_printer(raw, i, base_dir), extra) for i, raw in enumerate(listed))
    config = Config(
        spool_dir=_path(spool, base_dir) if spool else default_spool_dir(),
        printers=printers,
        policy=_policy(top.table("policy")),
        limits=_limits(top.table("limits")),
        max_document_bytes=max_doc if max_doc > 0 else None,
        history_seconds=history.get("seconds", int, 86400),
        history_jobs=history.get("jobs", int, 1000),
        spooler_workers=spooler.get("workers", int, 1),
        event_life=notifications.get("event-life", int, 300),
        job_limits=job_limits,
        dnssd=_dnssd(top.table("dnssd"), printers),
        web=_web(top.table("web")),
        store=store,
    )
    for table in (history, spooler, notifications, top):
        table.done()
    _check_unique(config.printers)
    if config.spooler_workers < 0 or config.history_seconds < 0 or config.history_jobs < 0:
        raise ConfigError("history and spooler values must not be negative")
    if config.event_life < MIN_EVENT_LIFE:
        raise ConfigError(f"notifications: event-life must be at least {MIN_EVENT_LIFE} seconds (RFC 3996)")
    return config


def _check_unique(printers: tuple[PrinterConfig, ...]) -> None:
    names = [p.name for p in printers]
    paths = [path for p in printers for path in p.paths]
    for what, items in (("printer name", names), ("printer path", paths)):
        duplicate = next((item for item in items if items.count(item) > 1), None)
        if duplicate is not None:
            raise ConfigError(f"{what} {duplicate!r} is used twice")


@functools.cache
def _default_text() -> str:
    return resources.files("ipp_wsgi").joinpath("default_config.toml").read_text("utf-8")


def _builtin_printers() -> list[Any]:
    """The ``[[printers]]`` of the built-in defaults: what a file without any serves."""
    printers: list[Any] = tomllib.loads(_default_text())["printers"]
    return printers


def load_config(path: str | os.PathLike[str] | None = None, *,
                spool_dir: str | os.PathLike[str] | None = None, store: str | None = None) -> Config:
    """Read the configuration file at ``path`` (None: the built-in defaults); ``spool_dir`` overrides the
    file's spool directory, and the job store is ``store`` if given, else $IPP_WSGI_STORE if set, else the
    file's. Raises :class:`ConfigError` for a file that cannot be used."""
    if path is None:
        text, base_dir = _default_text(), None
    else:
        file = Path(path)
        try:
            text = file.read_text("utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read {file}: {exc.strerror}") from None
        base_dir = file.resolve().parent
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path or 'default config'}: {exc}") from None
    try:
        config = _parse(data, base_dir)
    except ConfigError as exc:
        raise ConfigError(f"{path or 'default config'}: {exc}") from None
    if spool_dir is not None:
        config = Config(**{**config.__dict__, "spool_dir": Path(spool_dir)})
    chosen = store or os.environ.get(STORE_ENV)
    if chosen:
        where = "--store" if store else STORE_ENV
        try:
            config = Config(**{**config.__dict__, "store": check_store(chosen)})
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    return config
