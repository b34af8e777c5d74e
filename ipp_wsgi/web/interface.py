"""The browser pages: printers, jobs and a job's page, read-only at ``[web] path`` and with actions under
``[web] admin_path``.

Pages are Jinja2 templates (autoescaped) routed by werkzeug; every page works without JavaScript (a small
script refreshes job states in place). Every read and every action is an IPP operation run as the browser's
user (:mod:`ipp_wsgi.web.ipp_client`). The administration pages need an authenticated user (``REMOTE_USER``;
else 401 with a Basic realm, so that a browser asks for a password), take actions by POST only, with a CSRF
token and the Origin check (:mod:`ipp_wsgi.web.csrf`), and answer after-POST with a redirect (303) back to
the page. Every answer carries the security headers of :data:`SECURITY_HEADERS`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, RequestEntityTooLarge
from werkzeug.routing import Map, MapAdapter, RequestRedirect, Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from ipp_wsgi.codec import op_name, status, status_name
from ipp_wsgi.environ import origin, request_context
from ipp_wsgi.ops.service import PrinterEntry, Service
from ipp_wsgi.request_log import key_values, request_id
from ipp_wsgi.web import actions, reads
from ipp_wsgi.web.csrf import TOKEN_FIELD, CsrfError, Tokens, check_origin, load_secret
from ipp_wsgi.web.ipp_client import Answer, IppClient
from ipp_wsgi.web.settings import WebSettings
from ipp_wsgi.web.text import PRIVATE_TEXT, render_text, state_line
from ipp_wsgi.web.views import DESCRIPTION_FIELDS, JobView, PrinterView, attribute_rows

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

log = logging.getLogger(__name__)

REALM = "ipp-wsgi administration"
"""The HTTP Basic realm of the administration pages (the deploy recipes' AuthName)."""
SECURITY_HEADERS = (
    ("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; "
                                "img-src 'self'; connect-src 'self'; form-action 'self'; "
                                "frame-ancestors 'none'; base-uri 'none'"),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
)
MAX_FORM_BYTES = 64 * 1024
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}

_HTTP_STATUS = {
    status.CLIENT_ERROR_NOT_AUTHENTICATED: 401,
    status.CLIENT_ERROR_FORBIDDEN: 403,
    status.CLIENT_ERROR_NOT_AUTHORIZED: 403,
    status.SERVER_ERROR_OPERATION_NOT_SUPPORTED: 403,
    status.CLIENT_ERROR_NOT_FOUND: 404,
    status.CLIENT_ERROR_GONE: 404,
    status.CLIENT_ERROR_NOT_POSSIBLE: 409,
    status.SERVER_ERROR_SERVICE_UNAVAILABLE: 503,
    status.SERVER_ERROR_TEMPORARY_ERROR: 503,
    status.SERVER_ERROR_BUSY: 503,
    status.SERVER_ERROR_NOT_ACCEPTING_JOBS: 409,
}


def http_status(ipp_status: int) -> int:
    """The HTTP status of a page whose operation was refused with ``ipp_status``."""
    found = _HTTP_STATUS.get(ipp_status)
    if found is not None:
        return found
    return 500 if ipp_status >= 0x0500 else 400


def _join(prefix: str, rest: str) -> str:
    return prefix.rstrip("/") + rest


@dataclass(frozen=True, slots=True)
class Page:
    """What every template gets: where it is, who is looking, and how to link and submit."""

    admin: bool
    """True on the administration pages (actions offered)."""
    user: str | None
    is_admin: bool
    token: str
    done: str
    path: str
    url: Callable[..., str]
    static: Callable[[str], str]
    read_url: Callable[..., str]
    admin_url: Callable[..., str] | None


class WebInterface:
    """The pages of ``service``, mounted where ``settings`` say; ``spool_dir`` keeps the CSRF key when the
    settings name none."""

    def __init__(self, service: Service, settings: WebSettings, spool_dir: Path) -> None:
        self.service = service
        self.settings = settings
        self._spool_dir = spool_dir

    # The templates and the URL map are made when a page is first asked for: a worker that only answers
    # IPP never needs them (1.5 MiB of a worker's own memory).
    @functools.cached_property
    def templates(self) -> Environment:
        """The pages' Jinja2 templates."""
        templates = Environment(loader=PackageLoader("ipp_wsgi.web", "templates"), autoescape=True,
                                undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        templates.globals.update(private=PRIVATE_TEXT, state_line=state_line,
                                 description_fields=DESCRIPTION_FIELDS)
        return templates

    @functools.cached_property
    def url_map(self) -> Map:
        """The pages' URL rules."""
        settings = self.settings
        rules = [Rule(_join(settings.path, "/"), endpoint="read.printers"),
                 Rule(_join(settings.path, "/jobs"), endpoint="read.jobs"),
                 Rule(_join(settings.path, "/jobs/<int:job_id>"), endpoint="read.job"),
                 Rule(_join(settings.path, "/printers/<name>"), endpoint="read.printer"),
                 Rule(_join(settings.path, "/static/<name>"), endpoint="static")]
        if settings.admin_path:
            a = settings.admin_path
            rules += [Rule(_join(a, "/"), endpoint="admin.printers"),
                      Rule(_join(a, "/jobs"), endpoint="admin.jobs"),
                      Rule(_join(a, "/jobs/<int:job_id>"), endpoint="admin.job",
                           methods=["GET", "HEAD", "POST"]),
                      Rule(_join(a, "/printers/<name>"), endpoint="admin.printer",
                           methods=["GET", "HEAD", "POST"])]
        return Map(rules)

    @functools.cached_property
    def tokens(self) -> Tokens:
        """The CSRF tokens (the key is read or made on first use)."""
        return Tokens(load_secret(self.settings.secret, self._spool_dir))

    def serves(self, environ: WSGIEnvironment) -> bool:
        """True when ``environ``'s path is one of the pages (or a printer's own path)."""
        path = environ.get("PATH_INFO") or "/"
        if self.service.printer_for_path(path) is not None:
            return True
        try:
            self.url_map.bind("localhost").match(path, method="GET")
        except RequestRedirect:
            return True
        except HTTPException:
            return False
        return True

    def is_admin_page(self, environ: WSGIEnvironment) -> bool:
        """True when ``environ``'s path is below the administration pages (where forms are posted)."""
        return self._is_admin_path(environ.get("PATH_INFO") or "/")

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        request.max_content_length = MAX_FORM_BYTES
        response = self._respond(request)
        for name, value in SECURITY_HEADERS:
            response.headers.setdefault(name, value)
        response.headers.setdefault("Cache-Control", "no-store" if self._is_admin_path(request.path)
                                    else "no-cache")
        return response(environ, start_response)

    def _is_admin_path(self, path: str) -> bool:
        admin = self.settings.admin_path
        return bool(admin) and (path == admin or path.startswith(admin + "/"))

    def _respond(self, request: Request) -> Response:
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, values = adapter.match()
        except RequestRedirect as exc:
            return exc.get_response(request.environ)
        except NotFound:
            entry = self.service.printer_for_path(request.path)
            if entry is None or request.method not in ("GET", "HEAD"):
                return self._error(request, adapter, 404, "No such page.")
            return self._printer(request, adapter, False, entry)
        except MethodNotAllowed as exc:
            return exc.get_response(request.environ)
        if endpoint == "static":
            return self._static(str(values["name"]))
        kind, _, page = endpoint.partition(".")
        admin = kind == "admin"
        if admin and not request.remote_user:
            return self._unauthorized(request, adapter)
        try:
            if request.method == "POST":
                return self._post(request, adapter, page, values)
            if page == "printers":
                return self._printers(request, adapter, admin)
            if page == "jobs":
                return self._jobs(request, adapter, admin)
            if page == "job":
                return self._job(request, adapter, admin, int(values["job_id"]))
            entry = self.service.printer(str(values["name"]))
            if entry is None:
                return self._error(request, adapter, 404, "No such printer.")
            return self._printer(request, adapter, admin, entry)
        except reads.ReadError as exc:
            return self._refused(request, adapter, exc.answer)
        except RequestEntityTooLarge:
            return self._error(request, adapter, 413, "The form is too large.")

    # -- pages
    def _client(self, request: Request) -> IppClient:
        return IppClient(self.service, request_context(request.environ))

    def _page(self, request: Request, adapter: MapAdapter, admin: bool) -> Page:
        user = request.remote_user or None
        mount = "admin." if admin else "read."

        def url(endpoint: str, **values: Any) -> str:
            return adapter.build(mount + endpoint, values)

        def read_url(endpoint: str, **values: Any) -> str:
            return adapter.build("read." + endpoint, values)

        def admin_url(endpoint: str, **values: Any) -> str:
            return adapter.build("admin." + endpoint, values)

        def static(name: str) -> str:
            return adapter.build("static", {"name": name})

        return Page(
            admin=admin, user=user, is_admin=self.service.policy.is_admin(user),
            token=self.tokens.issue(user) if admin and user else "",
            done=actions.DONE_MESSAGES.get(request.args.get("done", ""), ""),
            path=request.script_root + (request.full_path if request.query_string else request.path),
            url=url, static=static, read_url=read_url,
            admin_url=admin_url if self.settings.admin_path else None,
        )

    def _html(self, template: str, http_status: int = 200, **values: Any) -> Response:
        body = self.templates.get_template(template).render(**values)
        return Response(body, status=http_status, content_type="text/html; charset=utf-8")

    def _printer_views(self, client: IppClient) -> list[PrinterView]:
        views = []
        for entry in self.service.printers:
            try:
                views.append(reads.printer(client, entry))
            except reads.ReadError:
                views.append(PrinterView.unknown(entry.name))
        return views

    def _printers(self, request: Request, adapter: MapAdapter, admin: bool) -> Response:
        client = self._client(request)
        printers = self._printer_views(client)
        queues = [(printer, self._queue(client, printer)) for printer in printers]
        best = request.accept_mimetypes.best_match(["text/html", "text/plain"], default="text/html")
        if request.args.get("format") == "text" or best == "text/plain":
            return Response(render_text(queues), content_type="text/plain; charset=utf-8")
        page = self._page(request, adapter, admin)
        offers = {p.name: actions.offered_printer_actions(client, p) for p in printers} if admin else {}
        queued = [job for _, queue in queues for job in queue]
        return self._html("printers.html", page=page, printers=queues, offers=offers,
                          job_offers=self._job_offers(client, queued, printers, admin))

    def _queue(self, client: IppClient, printer: PrinterView) -> list[JobView]:
        entry = self.service.printer(printer.name)
        if entry is None or printer.state == "unknown":
            return []
        try:
            return reads.job_page(client, reads.JobFilter(printer=printer.name), 1000).jobs
        except reads.ReadError:
            return []

    def _job_offers(self, client: IppClient, jobs: list[JobView], printers: list[PrinterView],
                    admin: bool) -> dict[int, list[actions.Action]]:
        if not admin:
            return {}
        by_name = {p.name: p for p in printers}
        return {job.job_id: actions.offered_job_actions(client, job, by_name.get(job.printer),
                                                        actions.move_targets(client, job.printer))
                for job in jobs}

    def _printer(self, request: Request, adapter: MapAdapter, admin: bool, entry: PrinterEntry) -> Response:
        client = self._client(request)
        printer = reads.printer(client, entry)
        queue = self._queue(client, printer)
        page = self._page(request, adapter, admin)
        offers = actions.offered_printer_actions(client, printer) if admin else []
        return self._html("printer.html", page=page, printer=printer, queue=queue, offers=offers,
                          job_offers=self._job_offers(client, queue, [printer], admin))

    def _jobs(self, request: Request, adapter: MapAdapter, admin: bool) -> Response:
        client = self._client(request)
        wanted = _job_filter(request, self.service)
        found = reads.job_page(client, wanted, self.settings.page_size)
        printers = self._printer_views(client) if admin else []
        page = self._page(request, adapter, admin)
        return self._html("jobs.html", page=page, listing=found,
                          printer_names=[p.name for p in self.service.printers],
                          job_offers=self._job_offers(client, found.jobs, printers, admin),
                          query=lambda **changes: urlencode(found.filter.query(**changes)))

    def _job(self, request: Request, adapter: MapAdapter, admin: bool, job_id: int) -> Response:
        client = self._client(request)
        details = reads.job_details(client, job_id)
        entry = self.service.printer(details.job.printer)
        printer = reads.printer(client, entry) if entry is not None else None
        targets = actions.move_targets(client, details.job.printer)
        offers = actions.offered_job_actions(client, details.job, printer, targets) if admin else []
        page = self._page(request, adapter, admin)
        return self._html("job.html", page=page, details=details, offers=offers, move_targets=targets,
                          attributes=attribute_rows(details.job.attributes))

    # -- actions
    def _post(self, request: Request, adapter: MapAdapter, page: str, values: Mapping[str, Any]) -> Response:
        user = request.remote_user or ""
        try:
            check_origin(request.environ)
            form = request.form
            self.tokens.check(form.get(TOKEN_FIELD, ""), user)
        except CsrfError as exc:
            log.warning("refused a form POST to %s by %s: %s", request.path, user, exc)
            return self._error(request, adapter, 403, str(exc))
        client = self._client(request)
        try:
            if page == "job":
                job_id = int(values["job_id"])
                action, answer = actions.run_job_action(client, job_id, form)
                back = adapter.build("admin.job", {"job_id": job_id})
            else:
                entry = self.service.printer(str(values["name"]))
                if entry is None:
                    return self._error(request, adapter, 404, "No such printer.")
                action, answer = actions.run_printer_action(client, entry, form)
                back = adapter.build("admin.printer", {"name": entry.name})
        except actions.FormError as exc:
            return self._error(request, adapter, 400, str(exc).capitalize() + ".")
        fields = {"request_id": request_id(request.environ), "operation": op_name(action.operation),
                  "path": request.path, "user": user, "status": status_name(answer.status), "via": "web"}
        log.info("web %s", key_values(fields), extra={"ipp": fields})
        if not answer.ok:
            return self._refused(request, adapter, answer)
        target = self._next(form.get("next", ""), request.script_root, back)
        joiner = "&" if "?" in target else "?"
        return redirect(f"{origin(request.environ)}{target}{joiner}done={page}-{action.name}", 303)

    def _next(self, wanted: str, script_root: str, default: str) -> str:
        """Where to go after an action: the page it was submitted from, when that is an admin page."""
        path = wanted.split("?", 1)[0]
        if wanted.startswith("/") and not wanted.startswith("//") and "\\" not in wanted \
                and path.startswith(script_root) and self._is_admin_path(path[len(script_root):]):
            return wanted
        return default

    # -- answers
    def _refused(self, request: Request, adapter: MapAdapter, answer: Answer) -> Response:
        code = http_status(answer.status)
        if code == 401:
            return self._unauthorized(request, adapter)
        return self._error(request, adapter, code, answer.text)

    def _unauthorized(self, request: Request, adapter: MapAdapter) -> Response:
        response = self._error(request, adapter, 401, "Sign in to manage the print service.")
        response.headers["WWW-Authenticate"] = f'Basic realm="{REALM}", charset="UTF-8"'
        return response

    def _error(self, request: Request, adapter: MapAdapter, code: int, message: str) -> Response:
        admin = self._is_admin_path(request.path) and bool(request.remote_user)
        page = self._page(request, adapter, admin)
        return self._html("error.html", code, page=page, code=code, message=message)

    @staticmethod
    def _static(name: str) -> Response:
        suffix = Path(name).suffix
        folder = resources.files("ipp_wsgi.web").joinpath("static")
        if suffix not in STATIC_TYPES or "/" in name or not folder.joinpath(name).is_file():
            return Response("Not found.\n", status=404, content_type="text/plain; charset=utf-8")
        response = Response(folder.joinpath(name).read_bytes(), content_type=STATIC_TYPES[suffix])
        response.headers["Cache-Control"] = "max-age=3600"
        return response


def _job_filter(request: Request, service: Service) -> reads.JobFilter:
    """The job list filter of the query string (unknown values fall back to the defaults)."""
    args = request.args
    printer = args.get("printer", "")
    state = args.get("state", "active")
    page = args.get("page", "1")
    return reads.JobFilter(
        printer=printer if service.printer(printer) is not None else "",
        owner=args.get("owner", "").strip()[:255],
        state=state if state in reads.STATE_FILTERS else "active",
        page=int(page) if page.isdigit() and 0 < int(page) < 1_000_000 else 1,
    )

