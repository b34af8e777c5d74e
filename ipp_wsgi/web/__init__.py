"""The browser interface: server-rendered pages of printers and jobs, with actions for those allowed.

:class:`ipp_wsgi.web.interface.WebInterface` is mounted by :class:`~ipp_wsgi.app.IppApplication` at the
configuration's ``[web]`` paths (:class:`ipp_wsgi.web.settings.WebSettings`). Every page reads, and every
action acts, through the IPP operations (:mod:`ipp_wsgi.web.ipp_client`).
"""
