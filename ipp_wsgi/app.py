"""The IPP listener as a WSGI application.

``POST`` with ``Content-Type: application/ipp`` is an IPP request: the attribute section is read straight
from ``wsgi.input``, the operation runs (:func:`ipp_wsgi.ops.dispatch`) with the rest of the body as its
document stream, and the answer is ``200 application/ipp`` with a Content-Length. Anything a client sends
gets an IPP answer, never an HTTP 500: undecodable requests get the decoder's status, a server bug gets
server-error-internal-error (and is logged). ``GET``/``HEAD`` answer the browser pages
(:mod:`ipp_wsgi.web`), as do form ``POST`` s to the administration pages; other ``POST`` 400 and other
methods 405.

Usage::

    from ipp_wsgi import IppApplication
    application = IppApplication()            # embedded defaults; IppApplication(load_config(path))
"""

from __future__ import annotations

import functools
import logging
import struct
from collections.abc import Callable, Hashable, Iterable
from importlib import resources
from typing import TYPE_CHECKING

from werkzeug.exceptions import BadRequest, HTTPException, MethodNotAllowed
from werkzeug.http import parse_options_header
from werkzeug.wrappers import Response

from ipp_wsgi.answer_cache import AnswerCache
from ipp_wsgi.body import BodyReadError, RequestBody, open_body
from ipp_wsgi.codec import IppDecodeError, Message, encode, op_name, read_message, status
from ipp_wsgi.config import Config, load_config
from ipp_wsgi.environ import request_context
from ipp_wsgi.metrics import MetricsEndpoint
from ipp_wsgi.ops import dispatch, error_response
from ipp_wsgi.ops.documents import DocumentTooLarge
from ipp_wsgi.ops.printer_attributes import ICON_SUFFIX
from ipp_wsgi.ops.registry import QUICK_OPERATIONS
from ipp_wsgi.ops.service import Service
from ipp_wsgi.request_log import REQUEST_ID_HEADER, IppExchange, request_id
from ipp_wsgi.spooler_watch import watch_spooler
from ipp_wsgi.web.interface import WebInterface

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

IPP_MEDIA_TYPE = "application/ipp"
BODY_KEY = "ipp_wsgi.body"
"""The environ key under which a server that has buffered a whole request body may pass it (bytes) to
:meth:`IppApplication.quick_request` and :meth:`IppApplication.local_request` (:mod:`ipp_wsgi.worker`
does)."""

# What is left of a body after the operation is read and discarded up to these bounds, so that a
# keep-alive connection stays in step. Past them the server discards the rest itself (gunicorn's parser
# and Apache both do before reading the next request).
DRAIN_MAX_BYTES = 1024 * 1024
DRAIN_MAX_SECONDS = 2.0

_VERSIONS = frozenset({(1, 0), (1, 1), (2, 0), (2, 1), (2, 2)})
_HEADER = struct.Struct(">BBHI")

log = logging.getLogger(__name__)


def is_ipp_request(environ: WSGIEnvironment) -> bool:
    """True for ``POST`` with ``Content-Type: application/ipp`` (parameters and case ignored)."""
    if environ.get("REQUEST_METHOD") != "POST":
        return False
    content_type = environ.get("CONTENT_TYPE", "")
    if content_type == IPP_MEDIA_TYPE:  # what clients send: no need to parse it
        return True
    media_type, _ = parse_options_header(content_type)
    return media_type.lower() == IPP_MEDIA_TYPE


def _whole_ipp_body(environ: WSGIEnvironment) -> bytes | None:
    """The whole body of an IPP request a server passed in ``environ["ipp_wsgi.body"]`` (at least an IPP
    header long); None when there is none, or the request is not IPP."""
    body = environ.get(BODY_KEY)
    if type(body) is not bytes or len(body) < _HEADER.size or not is_ipp_request(environ):
        return None
    return body


@functools.cache
def _printer_icon() -> bytes:
    """The PNG served as every printer's printer-icons."""
    return resources.files("ipp_wsgi").joinpath("static/printer-icon.png").read_bytes()


def _reply_version(version: tuple[int, int]) -> tuple[int, int]:
    return version if version in _VERSIONS else (2, 0)


class IppApplication:
    """The IPP listener: a WSGI application serving the printers of ``config``.

    ``config`` defaults to :func:`ipp_wsgi.config.load_config`'s embedded defaults. The print service
    (backends, the embedded spooler's threads) is built at once so queued jobs keep printing with no
    request arriving; :meth:`close` stops it. ``service`` is for tests and embedding: a ready service.
    """

    def __init__(self, config: Config | None = None, *, service: Service | None = None) -> None:
        watch_spooler()  # before the service: its spooler's first events already count
        self.config = config if config is not None else load_config()
        self.service = service if service is not None else Service.from_config(self.config)
        backends = self.service.backends
        self._all_local = {flag: all(getattr(backend, flag) for backend in backends)
                           for flag in ("local_reads", "local_writes")}
        self.answers = AnswerCache()
        """Encoded answers to polls (:mod:`ipp_wsgi.answer_cache`)."""
        self.web = WebInterface(self.service, self.config.web, self.config.spool_dir)
        """The browser pages."""
        self.metrics = MetricsEndpoint(self.service)
        """``GET /metrics`` (at the configuration's ``[web] metrics_path``)."""

    def quick_request(self, environ: WSGIEnvironment) -> bool:
        """True when the request is cheap enough for a server to run on its event loop rather than hand to
        a thread: an IPP request, whole in ``environ["ipp_wsgi.body"]``, of a read-only operation that never
        waits (:data:`~ipp_wsgi.ops.registry.QUICK_OPERATIONS`) on a printer whose backend reads locally
        (a path naming no printer, such as ``/``, may concern any printer: then every backend must)."""
        body = _whole_ipp_body(environ)
        if body is None or int.from_bytes(body[2:4], "big") not in QUICK_OPERATIONS:
            return False
        return self._backend_is(environ, "local_reads")

    def local_request(self, environ: WSGIEnvironment) -> bool:
        """True when the request, whole in ``environ["ipp_wsgi.body"]``, does short local work only: an IPP
        request to a printer whose backend works locally (the embedded spooler's,
        :attr:`~ipp_wsgi.backends.base.Backend.local_writes`). Its document is in hand, so it never waits
        for a client or a peer: a server may run such requests one after another on one thread of their own,
        where they do not take turns for the GIL with each other at every file and database call as they
        would in a pool."""
        return _whole_ipp_body(environ) is not None and self._backend_is(environ, "local_writes")

    def _backend_is(self, environ: WSGIEnvironment, flag: str) -> bool:
        """The backend ``flag`` of the request's printer (a path naming no printer, such as ``/``, may
        concern any printer: then every backend's)."""
        entry = self.service.printer_for_path(environ.get("PATH_INFO") or "/")
        return bool(getattr(entry.backend, flag)) if entry is not None else self._all_local[flag]

    def close(self) -> None:
        """Stop the print service's threads."""
        self.service.close()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        if method == "POST":
            if is_ipp_request(environ):
                return self._ipp(environ, start_response)
            if self.web.is_admin_page(environ):
                return self.web(environ, start_response)
            return BadRequest(f"POST needs Content-Type: {IPP_MEDIA_TYPE}.")(environ, start_response)
        if method in ("GET", "HEAD"):
            return self._page(environ, start_response)
        return MethodNotAllowed(valid_methods=["GET", "HEAD", "POST"])(environ, start_response)

    # -- IPP
    def _ipp(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        exchange = IppExchange(request_id(environ))
        key, data = self._kept_answer(environ, exchange)
        if data is None:
            try:
                body = open_body(environ)
            except HTTPException as exc:
                return exc(environ, start_response)
            valid_while: list[Callable[[], bool]] = []
            reusable = valid_while.append if key is not None else None
            data = self._encode(self.handle(body, environ, reusable, exchange))
            if valid_while:
                self.answers.put(key, data, valid_while[0], exchange.described)
            body.drain(DRAIN_MAX_BYTES, DRAIN_MAX_SECONDS)
            received = body.raw.tell()
        else:
            received = len(environ[BODY_KEY])
        exchange.finish(int.from_bytes(data[2:4], "big"), received)
        # Straight to start_response: a werkzeug Response costs more than the rest of a small request's
        # framing, and this answer needs nothing of it.
        start_response("200 OK", [("Content-Type", IPP_MEDIA_TYPE), ("Content-Length", str(len(data))),
                                  ("Cache-Control", "no-cache"), (REQUEST_ID_HEADER, exchange.request_id)])
        return [data]

    def _kept_answer(self, environ: WSGIEnvironment,
                     exchange: IppExchange) -> tuple[Hashable | None, bytes | None]:
        """The answer cache's key for this request (None: not a poll it keeps) and its kept answer (then
        ``exchange`` is described as the request it was kept for)."""
        whole = environ.get(BODY_KEY)
        if type(whole) is not bytes:
            return None, None
        key = self.answers.key(environ, whole)
        if key is None:
            return None, None
        kept = self.answers.get(key, whole[4:8])
        if kept is not None:
            exchange.described = self.answers.note(key) or exchange.described
        return key, kept

    def handle(self, body: RequestBody, environ: WSGIEnvironment,
               reusable: Callable[[Callable[[], bool]], None] | None = None,
               exchange: IppExchange | None = None) -> Message:
        """The IPP response to the request in ``body``; never raises for anything the client sent.

        ``reusable``: see :func:`ipp_wsgi.ops.dispatch`; ``exchange`` is told what the request and its
        answer say (for its log line).
        """
        try:
            request = read_message(body, self.config.limits)
        except IppDecodeError as exc:
            return self._header_error(body, exc.status, exc.reason)
        except BodyReadError as exc:
            return self._header_error(body, status.CLIENT_ERROR_BAD_REQUEST, str(exc))
        except Exception:
            log.exception("internal error decoding an IPP request")
            return self._header_error(body, status.SERVER_ERROR_INTERNAL_ERROR, "Internal server error.")
        body.limit_document(self.config.max_document_bytes)
        version = _reply_version(request.version)
        try:
            context = request_context(environ, self.config.max_document_bytes,
                                      exchange.request_id if exchange is not None else "")
            if exchange is None:
                return dispatch(request, body, context, self.service, reusable)
            exchange.describe(request, context, self.service)
            response = dispatch(request, body, context, self.service, reusable)
            exchange.answered(response)
            return response
        except DocumentTooLarge as exc:
            return error_response(request.request_id, status.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE,
                                  str(exc), version)
        except BodyReadError as exc:
            return error_response(request.request_id, status.CLIENT_ERROR_BAD_REQUEST, str(exc), version)
        except Exception:
            log.exception("internal error running %s", op_name(request.code))
            return error_response(request.request_id, status.SERVER_ERROR_INTERNAL_ERROR,
                                  "Internal server error.", version)

    @staticmethod
    def _header_error(body: RequestBody, code: int, message: str) -> Message:
        """An error response echoing the request-id (and version) of a request that did not decode."""
        request_id, version = 0, (2, 0)
        if len(body.head) == _HEADER.size:
            major, minor, _, request_id = _HEADER.unpack(body.head)
            version = _reply_version((major, minor))
        return error_response(request_id, code, message, version)

    @staticmethod
    def _encode(response: Message) -> bytes:
        try:
            return encode(response)
        except Exception:
            log.exception("internal error encoding the response to request %d", response.request_id)
            return encode(error_response(response.request_id, status.SERVER_ERROR_INTERNAL_ERROR,
                                         "Internal server error.", _reply_version(response.version)))

    # -- everything else
    def serves_page(self, environ: WSGIEnvironment) -> bool:
        """True when a request other than IPP is for one of the browser pages (:mod:`ipp_wsgi.web`), a
        printer's icon or the metrics."""
        path = (environ.get("PATH_INFO") or "/").rstrip("/") or "/"
        if path.endswith(ICON_SUFFIX) and self.service.printer_for_path(path[: -len(ICON_SUFFIX)]):
            return True
        return path == self.config.web.metrics_path or self.web.serves(environ)

    def _page(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = (environ.get("PATH_INFO") or "/").rstrip("/") or "/"
        if path.endswith(ICON_SUFFIX) and self.service.printer_for_path(path[: -len(ICON_SUFFIX)]):
            return Response(_printer_icon(), content_type="image/png")(environ, start_response)
        if path == self.config.web.metrics_path:
            return self.metrics(environ, start_response)
        return self.web(environ, start_response)
