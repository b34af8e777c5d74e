"""A gunicorn worker class for ipp-wsgi on asyncio and httptools: ``-k ipp_wsgi.worker.IppWorker``."""

from ipp_wsgi.worker.worker import IppWorker

__all__ = ["IppWorker"]
