"""A small plain-werkzeug site: the "existing site" that deploy/middleware/example_wsgi.py wraps with
ipp-wsgi. Nothing in it knows about IPP; it is served unchanged beside the printers.

PasteDeploy loads it with ``use = call:example_site:app_factory`` (see example.ini).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

URLS = Map([
    Rule("/", endpoint="home"),
    Rule("/hello/<name>", endpoint="hello"),
    Rule("/echo", endpoint="echo", methods=["POST"]),
])

HOME = """<!doctype html>
<title>Example site</title>
<h1>Example site</h1>
<p>This site's printer: <code>ipp://{host}/ipp/print</code></p>
"""


def home(request: Request) -> Response:
    """The front page."""
    return Response(HOME.format(host=request.host), content_type="text/html; charset=utf-8")


def hello(request: Request, name: str) -> Response:
    """A greeting that sets a cookie and a custom header."""
    response = Response(f"Hello, {name}!\n", content_type="text/plain; charset=utf-8")
    response.headers["X-Example"] = "hello"
    response.set_cookie("visited", name)
    return response


def echo(request: Request) -> Response:
    """The body the client posted, with its media type (any media type, application/ipp too)."""
    return Response(request.get_data(), content_type=request.content_type or "application/octet-stream")


VIEWS: dict[str, Callable[..., Response]] = {"home": home, "hello": hello, "echo": echo}


@Request.application
def site(request: Request) -> Response | HTTPException:
    """The site's WSGI application."""
    try:
        endpoint, args = URLS.bind_to_environ(request.environ).match()
    except HTTPException as exc:
        return exc
    return VIEWS[endpoint](request, **args)


def app_factory(global_conf: Mapping[str, str], **local_conf: str) -> WSGIApplication:
    """PasteDeploy's ``paste.app_factory`` for :func:`site`."""
    return site
