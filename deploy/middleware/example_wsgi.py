"""The example site (example_site.py) with ipp-wsgi on the same port:

    IPP_WSGI_CONFIG=/etc/ipp-wsgi.toml gunicorn -k ipp_wsgi.worker.IppWorker --threads 8 \\
        --chdir /path/to/deploy/middleware example_wsgi:application

IPP requests (POST application/ipp to ``/``, ``/admin`` or a printer path such as ``/ipp/print``) go to
ipp-wsgi; every other request reaches the site exactly as it would without ipp-wsgi. As with
ipp_wsgi.wsgi, the print service starts on import: let each worker import it (no ``--preload``).
"""

from __future__ import annotations

import os

from example_site import site

from ipp_wsgi import IppMiddleware
from ipp_wsgi.config import load_config

application = IppMiddleware(site, load_config(os.environ.get("IPP_WSGI_CONFIG") or None))
