"""DNS-SD (mDNS/Bonjour) advertising of the printers, so that phones, laptops and CUPS find them.

:mod:`.records` works out the services and TXT keys from a printer's IPP attributes; :mod:`.avahi` and
:mod:`.zeroconf_responder` register them; :mod:`.advertiser` keeps them current until stopped
(``ipp-wsgi advertise``, and the process ``ipp-wsgi serve`` starts: one process, never each worker).
"""
