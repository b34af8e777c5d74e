"""mod_wsgi entry point of ipp-wsgi (WSGIScriptAlias / WSGIImportScript point here).

Install it next to the configuration: it serves ``ipp-wsgi.toml`` from its own directory unless the
daemon's environment already names another file in ``IPP_WSGI_CONFIG`` (mod_wsgi's SetEnv only reaches
requests, not the process, hence this file).
"""

import os
from pathlib import Path

os.environ.setdefault("IPP_WSGI_CONFIG", str(Path(__file__).with_name("ipp-wsgi.toml")))

from ipp_wsgi.wsgi import application  # noqa: E402

__all__ = ["application"]
