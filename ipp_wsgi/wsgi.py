"""The module-level WSGI application for WSGI servers::

    gunicorn --worker-class ipp_wsgi.worker.IppWorker --threads 8 ipp_wsgi.wsgi:application
    # Apache: WSGIScriptAlias / /path/to/site-packages/ipp_wsgi/wsgi.py

It serves the configuration named by the environment variable ``IPP_WSGI_CONFIG`` (a TOML file), or the
embedded defaults when it is unset. The print service starts when the module is imported, in each worker
process; do not import it in a pre-forking master (gunicorn ``--preload``), whose threads would not
survive the fork.
"""

from __future__ import annotations

import os

from ipp_wsgi.app import IppApplication
from ipp_wsgi.config import load_config

CONFIG_ENV = "IPP_WSGI_CONFIG"
"""The environment variable naming the configuration file."""

application = IppApplication(load_config(os.environ.get(CONFIG_ENV) or None))
