"""ipp-wsgi: an IPP print server that lives inside a web server as WSGI middleware.

``IppApplication`` is the IPP listener as a WSGI application, ``IppMiddleware`` adds it to an existing
site. Both are imported on first use, so ``import ipp_wsgi.codec`` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ipp_wsgi.app import IppApplication
    from ipp_wsgi.middleware import IppMiddleware

__version__ = "0.1.0"
__all__ = ["IppApplication", "IppMiddleware", "__version__"]

_LAZY = {"IppApplication": "ipp_wsgi.app", "IppMiddleware": "ipp_wsgi.middleware"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ipp_wsgi' has no attribute {name!r}")
