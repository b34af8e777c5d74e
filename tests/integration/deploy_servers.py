"""Real web servers started from the shipped ``deploy/`` files, for the deployment tests.

Each server runs from a copy of the shipped file whose addresses, ports and paths are replaced by the
test's own (127.0.0.1, free ports, a temp dir); a replacement that no longer matches the shipped file
fails the test, so the files cannot drift from what is tested. Certificates are made with ``openssl``,
password files with ``htpasswd``. As root, Apache's and nginx's workers run as ``www-data``/``nobody``,
so the temp dirs are world-readable and the spool directory belongs to the service user.
"""

from __future__ import annotations

import grp
import http.client
import os
import pwd
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from base64 import b64encode
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from harness import (
    Ipptool,
    ManagedProcess,
    assert_ipptool_passed,
    attach_log,
    free_port,
    require,
    require_tool,
    wait_for,
)
from harness.processes import LOOPBACK, tail

from ipp_wsgi.codec import Message, decode, encode, operations, status, tags

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
PROJECT = DEPLOY.parent
APACHE_MODULES = "/usr/lib/apache2/modules"
"""Debian's Apache modules (the shipped config's IPP_WSGI_MODULES)."""
SYSTEM_PYTHON = "/usr/bin/python3"
"""The Python Debian's libapache2-mod-wsgi-py3 embeds: its venv must be made from it."""
ADMIN, ADMIN_PASSWORD = "admin", "s3cret-admin"
USER, USER_PASSWORD = "alice", "s3cret-alice"
JOB_TIMEOUT = 60.0
CONFORMANCE_FILES = ["get-printer-attributes.test", "ipp-1.1.test", "ipp-2.0.test"]
"""The stock ipptool files every deployment passes."""
CONFORMANCE_DOCUMENT = "testfile.pdf"
"""Named explicitly: ipp-2.0.test uses ``$filename`` only through INCLUDE."""


# -- files ------------------------------------------------------------------------------------------
def replace_all(text: str, replacements: Mapping[str, str]) -> str:
    """``text`` with each key replaced by its value; every key must occur in ``text``."""
    for old, new in replacements.items():
        assert old in text, f"{old!r} is no longer in the shipped file"
        text = text.replace(old, new)
    return text


def set_apache_defines(text: str, values: Mapping[str, str]) -> str:
    """``text`` with the value of each ``Define NAME value`` line replaced; each must occur once."""
    for name, value in values.items():
        text, count = re.subn(rf"^Define {name}\s.*$", f"Define {name} {value}", text, flags=re.MULTILINE)
        assert count == 1, f"Define {name} occurs {count} times in the shipped file"
    return text


def shared_dir(prefix: str) -> Path:
    """A new temp dir that the servers' unprivileged workers can traverse (not pytest's 0700 one)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    return path


def service_user() -> tuple[str, str]:
    """Who the IPP processes run as: www-data when the tests run as root, else the current user."""
    if os.geteuid() == 0:
        return "www-data", "www-data"
    return pwd.getpwuid(os.geteuid()).pw_name, grp.getgrgid(os.getegid()).gr_name


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1/localhost and its key (PEM)."""
    cert, key = directory / "server.crt", directory / "server.key"
    subprocess.run(
        [require_tool("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    key.chmod(0o644)  # test key, read by the workers of whichever server uses it
    return cert, key


def make_htpasswd(path: Path, users: Mapping[str, str]) -> Path:
    """An htpasswd file (bcrypt) with ``users`` (name -> password)."""
    htpasswd = require_tool("htpasswd")
    for index, (name, password) in enumerate(users.items()):
        create = ["-c"] if index == 0 else []
        subprocess.run([htpasswd, *create, "-b", "-B", str(path), name, password], check=True,
                       capture_output=True, timeout=60)
    path.chmod(0o644)
    return path


def write_ipp_config(path: Path, spool_dir: Path) -> Path:
    """An ipp-wsgi configuration: one printer ``print``, ``admin`` the only administrator."""
    path.write_text(
        f'spool_dir = "{spool_dir}"\n\n[policy]\nadmins = ["{ADMIN}"]\n\n'
        '[[printers]]\nname = "print"\n'
    )
    return path


@dataclass(frozen=True)
class Credentials:
    """A certificate, its key and an htpasswd file with :data:`ADMIN` and :data:`USER`."""

    cert: Path
    key: Path
    htpasswd: Path


# -- servers ----------------------------------------------------------------------------------------
class Deployment:
    """ipp-wsgi behind one web server: its URIs, its spool and its logs."""

    def __init__(self, root: Path, port: int, tls_port: int | None) -> None:
        self.root = root
        self.port = port
        self.tls_port = tls_port
        self.spool_dir = root / "spool"
        self.spool_dir.mkdir()
        user, group = service_user()
        shutil.chown(self.spool_dir, user, group)
        self.config = write_ipp_config(root / "ipp-wsgi.toml", self.spool_dir)
        self.processes: list[ManagedProcess] = []
        self.logs: dict[str, Path] = {}
        self.upstream_socket: Path | None = None
        """The Unix socket a proxy in front reaches ipp-wsgi on (None: no proxy)."""

    def uri(self, path: str = "/ipp/print", *, tls: bool = False, userinfo: str = "") -> str:
        """``ipp://127.0.0.1:PORT/path`` or ``ipps://...:TLS_PORT/path``, with ``user:password@``."""
        port = self.tls_port if tls else self.port
        at = f"{userinfo}@" if userinfo else ""
        return f"{'ipps' if tls else 'ipp'}://{at}{LOOPBACK}:{port}{path}"

    @property
    def output_dir(self) -> Path:
        """Where the default printer writes finished documents (``<job-id>-<document-number>``)."""
        return self.spool_dir / "output" / "print"

    def start(self, process: ManagedProcess, *ports: int | None) -> None:
        """Start ``process`` (stopped by :meth:`stop`) and wait for ``ports``."""
        self.processes.append(process)
        process.start()
        try:
            for port in ports:
                assert port is not None
                process.wait_for_port(port)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop every process, last started first."""
        for process in reversed(self.processes):
            process.stop()

    def printed(self, job_id: int, timeout: float = JOB_TIMEOUT) -> bytes:
        """The document job ``job_id`` printed (``<job-id>-1.<ext>``), once the printer has written it."""
        deadline = time.monotonic() + timeout
        while not (found := sorted(self.output_dir.glob(f"{job_id}-1.*"))):
            if time.monotonic() > deadline:
                raise AssertionError(f"job {job_id} not printed into {self.output_dir}")
            time.sleep(0.1)
        return found[0].read_bytes()


def start_apache(root: Path, venv: Path, credentials: Credentials, extra_conf: str = "") -> Deployment:
    """``apache2 -DFOREGROUND`` from deploy/apache/ipp-wsgi.conf: a plain (upgradable) port and a TLS port;
    ``extra_conf``: directives added at the end (a test's own limits)."""
    deployment = Deployment(root, free_port(), free_port())
    etc, run, log = apache_dirs(deployment)
    user, group = service_user()
    conf = set_apache_defines((DEPLOY / "apache" / "ipp-wsgi.conf").read_text(), {
        "IPP_WSGI_ADDRESS": LOOPBACK,
        "IPP_WSGI_PORT": str(deployment.port),
        "IPP_WSGI_TLS_PORT": str(deployment.tls_port),
        "IPP_WSGI_USER": user,
        "IPP_WSGI_GROUP": group,
        "IPP_WSGI_VENV": str(venv),
        "IPP_WSGI_ETC": str(etc),
        "IPP_WSGI_CERT": str(credentials.cert),
        "IPP_WSGI_KEY": str(credentials.key),
        "IPP_WSGI_HTPASSWD": str(credentials.htpasswd),
        "IPP_WSGI_RUN_DIR": str(run),
        "IPP_WSGI_LOG_DIR": str(log),
    })
    run_apache(deployment, conf + extra_conf)
    return deployment


def apache_dirs(deployment: Deployment) -> tuple[Path, Path, Path]:
    """etc (with ipp-wsgi.wsgi and the deployment's ipp-wsgi.toml), run and log dirs for Apache."""
    require(Path(APACHE_MODULES, "mod_wsgi.so").exists(),
            "mod_wsgi is not installed (Debian package libapache2-mod-wsgi-py3)")
    etc, run, log = (deployment.root / name for name in ("etc", "run", "log"))
    for directory in (etc, run, log):
        directory.mkdir()
        directory.chmod(0o755)
    shutil.copy(DEPLOY / "apache" / "ipp-wsgi.wsgi", etc / "ipp-wsgi.wsgi")
    shutil.copy(deployment.config, etc / "ipp-wsgi.toml")
    return etc, run, log


def run_apache(deployment: Deployment, conf: str) -> None:
    """Write ``conf`` as etc/apache.conf and start ``apache2 -DFOREGROUND`` with it."""
    etc, log = deployment.root / "etc", deployment.root / "log"
    (etc / "apache.conf").write_text(conf)
    deployment.logs = {"apache error.log": log / "error.log", "apache access.log": log / "access.log",
                       "apache stdout": log / "apache.out"}
    env = {"PATH": os.environ.get("PATH", os.defpath), "LANG": "C"}
    process = ManagedProcess([require_tool("apache2"), "-f", str(etc / "apache.conf"), "-DFOREGROUND"],
                             log / "apache.out", env=env)
    deployment.start(process, *{deployment.port, deployment.tls_port})


_APACHE_SITE = """# An existing site (static pages over TLS) that includes deploy/apache/ipp-wsgi-vhost.conf.
ServerRoot {run}
PidFile {run}/apache.pid
Mutex file:{run} default
ServerName localhost
User {user}
Group {group}
LoadModule mpm_event_module       {modules}/mod_mpm_event.so
LoadModule authz_core_module      {modules}/mod_authz_core.so
LoadModule authz_user_module      {modules}/mod_authz_user.so
LoadModule authn_core_module      {modules}/mod_authn_core.so
LoadModule authn_file_module      {modules}/mod_authn_file.so
LoadModule auth_basic_module      {modules}/mod_auth_basic.so
LoadModule socache_shmcb_module   {modules}/mod_socache_shmcb.so
LoadModule setenvif_module        {modules}/mod_setenvif.so
LoadModule allowmethods_module    {modules}/mod_allowmethods.so
LoadModule ssl_module             {modules}/mod_ssl.so
LoadModule wsgi_module            {modules}/mod_wsgi.so
ErrorLog {log}/error.log
LogLevel warn
CustomLog {log}/access.log common
WSGISocketPrefix {run}/wsgi
SSLSessionCache shmcb:{run}/ssl_scache(512000)
Listen {address}:{port}
<Directory />
    Require all denied
    AllowOverride None
</Directory>
<VirtualHost {address}:{port}>
    SSLEngine on
    SSLCertificateFile {cert}
    SSLCertificateKeyFile {key}
    DocumentRoot {docroot}
    <Directory {docroot}>
        Require all granted
    </Directory>
    Include {etc}/ipp-wsgi-vhost.conf
</VirtualHost>
"""
SITE_PREFIX = "/ipp"
"""Where the site test mounts ipp-wsgi (the shipped snippet's default)."""
SITE_PAGE = b"<!doctype html><title>The site</title><p>Pages of the existing site.</p>\n"


def start_apache_site(root: Path, venv: Path, credentials: Credentials) -> Deployment:
    """An existing Apache TLS site (a static page) with deploy/apache/ipp-wsgi-vhost.conf included in its
    virtual host: ipp-wsgi under :data:`SITE_PREFIX`, ipps:// only."""
    port = free_port()
    deployment = Deployment(root, port, port)
    etc, run, log = apache_dirs(deployment)
    docroot = root / "htdocs"
    docroot.mkdir()
    docroot.chmod(0o755)
    (docroot / "index.html").write_bytes(SITE_PAGE)
    user, group = service_user()
    snippet = set_apache_defines((DEPLOY / "apache" / "ipp-wsgi-vhost.conf").read_text(), {
        "IPP_WSGI_PREFIX": SITE_PREFIX, "IPP_WSGI_USER": user, "IPP_WSGI_GROUP": group,
        "IPP_WSGI_VENV": str(venv), "IPP_WSGI_ETC": str(etc), "IPP_WSGI_HTPASSWD": str(credentials.htpasswd),
    })
    (etc / "ipp-wsgi-vhost.conf").write_text(snippet)
    run_apache(deployment, _APACHE_SITE.format(
        run=run, log=log, etc=etc, docroot=docroot, user=user, group=group, modules=APACHE_MODULES,
        address=LOOPBACK, port=port, cert=credentials.cert, key=credentials.key,
    ))
    return deployment


def gunicorn_process(deployment: Deployment, log: Path, env: Mapping[str, str],
                     activate_socket: bool = False) -> ManagedProcess:
    """gunicorn with deploy/gunicorn/gunicorn.conf.py, configured through ``env`` as a unit would.

    ``activate_socket``: systemd-socket-activate opens the port and passes it (LISTEN_FDS), as
    ipp-wsgi.socket does.
    """
    gunicorn = Path(sys.executable).with_name("gunicorn")
    argv = [str(gunicorn), "-c", str(DEPLOY / "gunicorn" / "gunicorn.conf.py")]
    full_env = {**os.environ, "IPP_WSGI_CONFIG": str(deployment.config), "IPP_WSGI_WORKERS": "1",
                "IPP_WSGI_THREADS": "4", **env}
    if activate_socket:
        activate = require_tool("systemd-socket-activate")
        passed = [arg for name in env for arg in ("-E", name)] + ["-E", "IPP_WSGI_CONFIG"]
        argv = [activate, "-l", f"{LOOPBACK}:{deployment.port}", *passed, *argv]
    return ManagedProcess(argv, log, env=full_env)


def start_gunicorn(root: Path, credentials: Credentials | None, *,
                   activate_socket: bool = False) -> Deployment:
    """gunicorn alone: TLS (ipps) on its port when ``credentials`` are given, else plain IPP."""
    port = free_port()
    deployment = Deployment(root, port, port if credentials is not None else None)
    env = {"IPP_WSGI_BIND": f"{LOOPBACK}:{deployment.port}"}
    if credentials is not None:
        env |= {"IPP_WSGI_CERTFILE": str(credentials.cert), "IPP_WSGI_KEYFILE": str(credentials.key)}
    log = root / "gunicorn.log"
    deployment.logs = {"gunicorn": log}
    process = gunicorn_process(deployment, log, env, activate_socket)
    deployment.start(process, deployment.port)
    if activate_socket:  # the port answers before gunicorn runs: wait for its worker
        wait_for("gunicorn worker", lambda: "Booting worker" in log.read_text(errors="replace"), timeout=30)
    return deployment


UPSTREAMS = ("gunicorn.conf.py", "ipp-wsgi serve")
"""What may serve behind a proxy: gunicorn with deploy/gunicorn/gunicorn.conf.py, or ``ipp-wsgi serve``; both
take the same proxy settings (ipp_wsgi.proxy)."""
PROXY_USER_HEADER = "X-Remote-User"


def upstream_process(deployment: Deployment, venv: Path, upstream: str, bind: str,
                     env: Mapping[str, str] | None = None) -> ManagedProcess:
    """``upstream`` (one of :data:`UPSTREAMS`) from ``venv``, bound to ``bind`` (``unix:PATH`` or
    ``HOST:PORT``), as the service user (when root), taking the user from :data:`PROXY_USER_HEADER` by the
    proxy settings ``env`` (none more: the defaults)."""
    bin_dir = venv / "bin"
    full_env = {"PATH": f"{bin_dir}:{os.environ.get('PATH', os.defpath)}", "LANG": "C.UTF-8",
                "HOME": str(deployment.root), "IPP_WSGI_PROXY_USER_HEADER": PROXY_USER_HEADER, **(env or {})}
    # Workers and threads as shipped (2 x 8): the per-client limits of deploy/nginx are set for them.
    if upstream == "ipp-wsgi serve":
        argv = [str(bin_dir / "ipp-wsgi"), "serve", "--bind", bind, "--config", str(deployment.config)]
    else:
        argv = [str(bin_dir / "gunicorn"), "-c", str(DEPLOY / "gunicorn" / "gunicorn.conf.py")]
        full_env |= {"IPP_WSGI_BIND": bind, "IPP_WSGI_CONFIG": str(deployment.config)}
    user, group = service_user() if os.geteuid() == 0 else (None, None)
    return ManagedProcess(argv, deployment.root / "upstream.log", env=full_env, user=user, group=group)


def start_upstream(root: Path, venv: Path, upstream: str, env: Mapping[str, str] | None = None) -> Deployment:
    """``upstream`` (:data:`UPSTREAMS`) alone on a loopback port, with the proxy settings ``env``: what any
    local account can connect to."""
    deployment = Deployment(root, free_port(), None)
    process = upstream_process(deployment, venv, upstream, f"{LOOPBACK}:{deployment.port}", env)
    deployment.logs = {"upstream": process.log}
    deployment.start(process, deployment.port)
    return deployment


def unix_socket_answers(path: Path) -> bool:
    """True when a connection to the Unix socket ``path`` succeeds."""
    with socket.socket(socket.AF_UNIX) as sock:
        try:
            sock.connect(str(path))
        except OSError:
            return False
    return True


_NGINX_MAIN = """{user}worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/nginx-error.log info;
events {{ worker_connections 768; }}
http {{
    access_log {root}/nginx-access.log;
    client_body_temp_path {root}/tmp/body;
    proxy_temp_path {root}/tmp/proxy;
    fastcgi_temp_path {root}/tmp/fastcgi;
    uwsgi_temp_path {root}/tmp/uwsgi;
    scgi_temp_path {root}/tmp/scgi;
    include {site};
}}
"""


def start_nginx(root: Path, credentials: Credentials, venv: Path, upstream: str = UPSTREAMS[0]) -> Deployment:
    """nginx from deploy/nginx/ipp-wsgi.conf (TLS port) in front of ``upstream`` (:data:`UPSTREAMS`) from
    ``venv``, on the recipe's Unix socket: the service user's, rw-rw----; as root nginx's workers run as
    nobody in the service user's group, as the recipe has nginx's user in it."""
    nginx = require_tool("nginx")
    tls_port = free_port()
    deployment = Deployment(root, tls_port, tls_port)
    run = root / "run"  # the recipe's /run/ipp-wsgi: the service user's
    run.mkdir()
    run.chmod(0o755)
    shutil.chown(run, *service_user())
    deployment.upstream_socket = run / "gunicorn.sock"
    site = replace_all((DEPLOY / "nginx" / "ipp-wsgi.conf").read_text(), {
        "listen 631 ssl;": f"listen {LOOPBACK}:{deployment.tls_port} ssl;",
        "listen [::]:631 ssl;": "",
        "server unix:/run/ipp-wsgi/gunicorn.sock;": f"server unix:{deployment.upstream_socket};",
        "/etc/ipp-wsgi/tls/server.crt": str(credentials.cert),
        "/etc/ipp-wsgi/tls/server.key": str(credentials.key),
        "/etc/ipp-wsgi/htpasswd": str(credentials.htpasswd),
    })
    (root / "tmp").mkdir()
    (root / "site.conf").write_text(site)
    user = f"user nobody {service_user()[1]};\n" if os.geteuid() == 0 else ""
    (root / "nginx.conf").write_text(_NGINX_MAIN.format(user=user, root=root, site=root / "site.conf"))
    deployment.logs = {"upstream": root / "upstream.log", "nginx": root / "nginx.out",
                       "nginx error.log": root / "nginx-error.log"}
    upstream_socket = deployment.upstream_socket
    served = upstream_process(deployment, venv, upstream, f"unix:{upstream_socket}")
    deployment.start(served)
    try:
        wait_for("the upstream's Unix socket", lambda: unix_socket_answers(upstream_socket), timeout=30)
    except AssertionError as exc:
        deployment.stop()
        raise AssertionError(f"{exc}:\n{tail(served.log)}") from None
    process = ManagedProcess([nginx, "-p", str(root), "-c", str(root / "nginx.conf"), "-e", "stderr",
                              "-g", "daemon off;"], root / "nginx.out")
    deployment.start(process, deployment.tls_port)
    return deployment


CLUSTER_HOSTS = ("    server 192.0.2.11:8631 max_fails=1 fail_timeout=10s;\n"
                 "    server 192.0.2.12:8631 max_fails=1 fail_timeout=10s;\n")
"""The shipped deploy/cluster/ipp-wsgi-cluster.conf's upstream hosts, replaced by the test's."""


def start_cluster_nginx(root: Path, host_ports: Sequence[int]) -> tuple[ManagedProcess, int]:
    """nginx from deploy/cluster/ipp-wsgi-cluster.conf on a free loopback port, round-robin over the
    hosts at 127.0.0.1:``host_ports``; its files in ``root`` (a :func:`shared_dir`). The process, started,
    and its port."""
    port = free_port()
    hosts = "".join(f"    server {LOOPBACK}:{host} max_fails=1 fail_timeout=10s;\n" for host in host_ports)
    site = replace_all((DEPLOY / "cluster" / "ipp-wsgi-cluster.conf").read_text(), {
        "listen 631;": f"listen {LOOPBACK}:{port};",
        "listen [::]:631;": "",
        CLUSTER_HOSTS: hosts,
    })
    (root / "tmp").mkdir()
    (root / "site.conf").write_text(site)
    user = f"user nobody {service_user()[1]};\n" if os.geteuid() == 0 else ""
    (root / "nginx.conf").write_text(_NGINX_MAIN.format(user=user, root=root, site=root / "site.conf"))
    process = ManagedProcess([require_tool("nginx"), "-p", str(root), "-c", str(root / "nginx.conf"),
                              "-e", "stderr", "-g", "daemon off;"], root / "nginx.out")
    process.start()
    try:
        process.wait_for_port(port)
    except BaseException:
        process.stop()
        raise
    return process, port


ADMIN_TEST = """{
	NAME "Pause-Printer at /admin"
	OPERATION Pause-Printer
	RESOURCE /admin
	GROUP operation-attributes-tag
	ATTR charset attributes-charset utf-8
	ATTR naturalLanguage attributes-natural-language en
	ATTR uri printer-uri $uri
	ATTR name requesting-user-name $user
	STATUS successful-ok
}
{
	NAME "Get-Printer-Attributes: paused"
	OPERATION Get-Printer-Attributes
	GROUP operation-attributes-tag
	ATTR charset attributes-charset utf-8
	ATTR naturalLanguage attributes-natural-language en
	ATTR uri printer-uri $uri
	STATUS successful-ok
	EXPECT printer-state OF-TYPE enum WITH-VALUE 5
}
{
	NAME "Resume-Printer at /admin"
	OPERATION Resume-Printer
	RESOURCE /admin
	GROUP operation-attributes-tag
	ATTR charset attributes-charset utf-8
	ATTR naturalLanguage attributes-natural-language en
	ATTR uri printer-uri $uri
	ATTR name requesting-user-name $user
	STATUS successful-ok
}
"""
"""Pause and resume the printer through /admin. Only with valid credentials in the URI: ipptool 2.4
retries a 401 forever once it has no (more) password to offer."""


def admin_test_file(directory: Path) -> Path:
    """:data:`ADMIN_TEST` written to ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "admin-pause-resume.test"
    path.write_text(ADMIN_TEST)
    return path


# -- clients ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class HttpAnswer:
    """An HTTP answer to an IPP POST: its status, and the IPP response when it is 200."""

    status: int
    ipp: Message | None


def ipp_request(operation: int, printer_uri: str, user: str = USER) -> Message:
    """A minimal request for ``operation`` on ``printer_uri``."""
    message = Message(operation, 1, (2, 0))
    group = message.operation
    group.add("attributes-charset", "utf-8", tags.CHARSET)
    group.add("attributes-natural-language", "en", tags.NATURAL_LANGUAGE)
    group.add("printer-uri", printer_uri, tags.URI)
    group.add("requesting-user-name", user, tags.NAME_WITHOUT_LANGUAGE)
    return message


def post_ipp(port: int, path: str, message: Message, *, tls: bool, auth: tuple[str, str] | None = None,
             headers: Mapping[str, str] | None = None, document: bytes = b"") -> HttpAnswer:
    """POST ``message`` (then ``document``) to 127.0.0.1:``port``/``path`` (TLS without certificate
    checks when ``tls``)."""
    connection: http.client.HTTPConnection
    if tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        connection = http.client.HTTPSConnection(LOOPBACK, port, timeout=60, context=context)
    else:
        connection = http.client.HTTPConnection(LOOPBACK, port, timeout=60)
    send = {"Content-Type": "application/ipp", **(headers or {})}
    if auth is not None:
        send["Authorization"] = "Basic " + b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
    try:
        connection.request("POST", path, encode(message) + document, send)
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    return HttpAnswer(response.status, decode(body) if response.status == 200 else None)


def pause_printer(deployment: Deployment, path: str, *, tls: bool = True, auth: tuple[str, str] | None = None,
                  headers: Mapping[str, str] | None = None) -> HttpAnswer:
    """Pause-Printer on the printer, POSTed to ``path`` (``/admin``: what the web server authenticates)."""
    port = deployment.tls_port if tls and deployment.tls_port else deployment.port
    message = ipp_request(operations.PAUSE_PRINTER, deployment.uri(tls=tls))
    return post_ipp(port, path, message, tls=tls, auth=auth, headers=headers)


def lp_print(document: Path, port: int, *, home: Path, encryption: str | None = None,
             upgrade: bool = False) -> int:
    """``lp -h 127.0.0.1:PORT -d print FILE`` (``-E``: TLS by HTTP Upgrade; ``encryption``:
    CUPS_ENCRYPTION, e.g. Always for TLS from the start); the job-id lp reports."""
    lp = require_tool("lp")
    env = {**os.environ, "HOME": str(home)}
    env.pop("CUPS_SERVER", None)
    if encryption is not None:
        env["CUPS_ENCRYPTION"] = encryption
    argv = [lp, "-h", f"{LOOPBACK}:{port}", *(["-E"] if upgrade else []), "-d", "print", str(document)]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"{' '.join(argv)} exited {done.returncode}: {done.stdout}{done.stderr}"
    match = re.search(r"request id is print-(\d+)", done.stdout)
    assert match, done.stdout
    return int(match[1])


# -- fixtures ---------------------------------------------------------------------------------------
@pytest.fixture(scope="session", name="system_venv")
def system_venv_fixture() -> Iterator[Path]:
    """A venv made with /usr/bin/python3 (mod_wsgi's Python) with this project pip-installed."""
    require(Path(SYSTEM_PYTHON).exists(), f"{SYSTEM_PYTHON} is missing")
    root = shared_dir("ipp-wsgi-venv-")
    venv = root / "venv"
    try:
        subprocess.run([SYSTEM_PYTHON, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300)
        done = subprocess.run(
            [str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", str(PROJECT)],
            capture_output=True, text=True, timeout=600, check=False,
        )
        assert done.returncode == 0, f"pip install into {venv} failed:\n{done.stdout}{done.stderr}"
        yield venv
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session", name="credentials")
def credentials_fixture() -> Iterator[Credentials]:
    """A self-signed certificate and an htpasswd file, in a directory the servers' workers can read."""
    root = shared_dir("ipp-wsgi-tls-")
    try:
        cert, key = make_certificate(root)
        yield Credentials(cert, key, make_htpasswd(root / "htpasswd", {ADMIN: ADMIN_PASSWORD,
                                                                     USER: USER_PASSWORD}))
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def running(request: pytest.FixtureRequest, prefix: str,
            start: Callable[[Path], Deployment]) -> Iterator[Deployment]:
    """Start a deployment in a fresh shared dir, attach its logs, stop it and remove the dir after."""
    root = shared_dir(prefix)
    deployment: Deployment | None = None
    try:
        deployment = start(root)
        for label, path in deployment.logs.items():
            attach_log(request.node, label, path)
        yield deployment
    finally:
        if deployment is not None:
            deployment.stop()
        shutil.rmtree(root, ignore_errors=True)


# -- checks shared by the deployment tests ----------------------------------------------------------
def check_ipps_uris(deployment: Deployment) -> None:
    """Over TLS, printer-uri-supported names the TLS port with ipps://."""
    assert deployment.tls_port is not None
    message = ipp_request(operations.GET_PRINTER_ATTRIBUTES, deployment.uri(tls=True))
    answer = post_ipp(deployment.tls_port, "/ipp/print", message, tls=True)
    assert answer.status == 200 and answer.ipp is not None and answer.ipp.printer is not None
    assert answer.ipp.printer["printer-uri-supported"].values == [deployment.uri(tls=True)]


def check_chunked_print_job(deployment: Deployment, ipptool: Ipptool, document: Path, *, tls: bool) -> None:
    """print-job.test sends ``document`` chunked (-C); the printer writes exactly its bytes."""
    def outputs() -> set[Path]:
        # Not the printer's ".incoming-*" files: each is renamed to its output name at once.
        if not deployment.output_dir.exists():
            return set()
        return {path for path in deployment.output_dir.iterdir() if not path.name.startswith(".")}

    before = outputs()
    result = ipptool.run(deployment.uri(tls=tls), "print-job.test", file=document, options=["-C"])
    assert_ipptool_passed(result)
    expected = document.read_bytes()

    def printed_it() -> bool:
        return any(path.read_bytes() == expected for path in outputs() - before)

    wait_for(f"a printed copy of {document.name}", printed_it, JOB_TIMEOUT)


def check_lp_over_tls(deployment: Deployment, document: Path, home: Path) -> None:
    """``lp`` with CUPS_ENCRYPTION=Always to the TLS port: the job prints the document's bytes."""
    assert deployment.tls_port is not None
    home.mkdir(parents=True, exist_ok=True)
    job_id = lp_print(document, deployment.tls_port, home=home, encryption="Always")
    assert deployment.printed(job_id) == document.read_bytes()


def check_admin_with_credentials(deployment: Deployment, ipptool: Ipptool, work: Path) -> None:
    """ipptool, authenticated as the administrator, pauses and resumes the printer through /admin."""
    uri = deployment.uri(tls=True, userinfo=f"{ADMIN}:{ADMIN_PASSWORD}")
    assert_ipptool_passed(ipptool.run(uri, admin_test_file(work)))


def check_admin_refused(deployment: Deployment) -> None:
    """Pause-Printer: 401 at /admin without (valid) credentials, not-authorized for a non-admin,
    not-authenticated where the web server does not authenticate; the printer stays idle."""
    assert pause_printer(deployment, "/admin").status == 401
    assert pause_printer(deployment, "/admin", auth=(ADMIN, "wrong")).status == 401
    as_user = pause_printer(deployment, "/admin", auth=(USER, USER_PASSWORD))
    assert as_user.ipp is not None and as_user.ipp.code == status.CLIENT_ERROR_NOT_AUTHORIZED
    unauthenticated = pause_printer(deployment, "/ipp/print")
    assert unauthenticated.ipp is not None
    assert unauthenticated.ipp.code == status.CLIENT_ERROR_NOT_AUTHENTICATED
    message = ipp_request(operations.GET_PRINTER_ATTRIBUTES, deployment.uri(tls=True))
    answer = post_ipp(deployment.tls_port or deployment.port, "/ipp/print", message, tls=True)
    assert answer.ipp is not None and answer.ipp.printer is not None
    assert answer.ipp.printer["printer-state"].values == [3]  # idle


def check_forged_identity_refused(deployment: Deployment, *, tls: bool = True) -> None:
    """Pause-Printer with identities the web server did not check: a client's own X-Remote-User (and a
    guessed proxy secret), or Basic credentials where no password is checked. /admin asks for credentials
    (401); elsewhere the caller stays anonymous (not-authenticated)."""
    forged = {"X-Remote-User": ADMIN, "X-IPP-WSGI-Proxy-Secret": "guessed-secret-0123456789"}
    assert pause_printer(deployment, "/admin", tls=tls, headers=forged).status == 401
    for answer in (pause_printer(deployment, "/ipp/print", tls=tls, headers=forged),
                   pause_printer(deployment, "/ipp/print", tls=tls, auth=(ADMIN, "wrong"))):
        assert answer.ipp is not None and answer.ipp.code == status.CLIENT_ERROR_NOT_AUTHENTICATED


def ipp_call(deployment: Deployment, message: Message, path: str, *, tls: bool,
             auth: tuple[str, str] | None = None, document: bytes = b"") -> Message:
    """``message`` POSTed to ``path`` of the deployment (its TLS port when ``tls``); the IPP answer."""
    port = deployment.tls_port if tls else deployment.port
    assert port is not None
    answer = post_ipp(port, path, message, tls=tls, auth=auth, document=document)
    assert answer.status == 200 and answer.ipp is not None, f"HTTP {answer.status}"
    return answer.ipp


def job_request(operation: int, deployment: Deployment, job_id: int, user: str, *, tls: bool,
                path: str = "/ipp/print") -> Message:
    """``operation`` on job ``job_id`` of the printer at ``path``, as ``user`` (requesting-user-name)."""
    message = ipp_request(operation, deployment.uri(path, tls=tls), user)
    message.operation.add("job-id", job_id, tags.INTEGER)
    return message


def check_cancel_of_anothers_job_refused(deployment: Deployment, *, tls: bool,
                                         authenticate_at: str | None = None) -> None:
    """``bob`` submits a held job; ``mallory`` (anonymous, naming herself) cannot cancel it, nor can
    :data:`USER` authenticated by the web server at ``authenticate_at`` (when given); the job stays
    held, and bob cancels it himself."""
    owner = "bob"
    submit = ipp_request(operations.PRINT_JOB, deployment.uri(tls=tls), owner)
    submit.add_group(tags.JOB_ATTRIBUTES).add("job-hold-until", "indefinite", tags.KEYWORD)
    submitted = ipp_call(deployment, submit, "/ipp/print", tls=tls, document=b"bob's document\n")
    assert submitted.code == status.SUCCESSFUL_OK and submitted.job is not None, submitted
    job_id: int = submitted.job.value("job-id")

    def cancel(user: str, path: str = "/ipp/print", auth: tuple[str, str] | None = None) -> int:
        return ipp_call(deployment, job_request(operations.CANCEL_JOB, deployment, job_id, user, tls=tls),
                        path, tls=tls, auth=auth).code

    assert cancel("mallory") == status.CLIENT_ERROR_NOT_AUTHENTICATED
    if authenticate_at is not None:
        assert cancel(USER, authenticate_at, (USER, USER_PASSWORD)) == status.CLIENT_ERROR_NOT_AUTHORIZED
    state = ipp_call(deployment, job_request(operations.GET_JOB_ATTRIBUTES, deployment, job_id, owner,
                                             tls=tls), "/ipp/print", tls=tls)
    assert state.job is not None and state.job.value("job-state") == 4  # pending-held
    assert cancel(owner) == status.SUCCESSFUL_OK
