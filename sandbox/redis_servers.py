"""Real redis-server child processes on loopback, plus a tiny RESP client (no redis-py needed)."""
from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

REDIS_SERVER = os.environ.get("SANDBOX_REDIS_SERVER") or shutil.which("redis-server") or "/usr/bin/redis-server"
MAXMEMORY = "32mb"
HOST = "127.0.0.1"


class RespError(Exception):
    """An error reply (``-ERR ...``) from Redis."""


def resp_encode(*args: str | int) -> bytes:
    parts = [f"*{len(args)}\r\n".encode()]
    for arg in args:
        data = str(arg).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


def resp_read(stream: BinaryIO, *, errors_as_values: bool = False) -> Any:
    """One reply. An error reply raises ``RespError``, or with ``errors_as_values`` is returned as one (also
    inside an array, as EXEC answers a transaction whose commands failed)."""
    line = stream.readline()
    if not line:
        raise ConnectionError("connection closed by redis")
    kind, payload = line[:1], line[1:-2].decode()
    if kind == b"+":
        return payload
    if kind == b"-":
        if errors_as_values:
            return RespError(payload)
        raise RespError(payload)
    if kind == b":":
        return int(payload)
    if kind == b"$":
        return None if payload == "-1" else stream.read(int(payload) + 2)[:-2].decode("utf-8", errors="replace")
    if kind == b"*":
        return None if payload == "-1" else [resp_read(stream, errors_as_values=errors_as_values)
                                             for _index in range(int(payload))]
    raise ConnectionError(f"unexpected RESP reply {line!r}")


@contextlib.contextmanager
def resp_connection(port: int, password: str | None, host: str = HOST, ssl_context: ssl.SSLContext | None = None,
                    timeout: float = 2.0) -> Iterator[Callable[..., Any]]:
    """An open connection, AUTH done when a password is given: yields ``run(*args)`` -> the command's reply
    (what an app's pooled connection is, so a command can be timed without the connect and handshake)."""
    raw = socket.create_connection((host, port), timeout=timeout)
    conn = ssl_context.wrap_socket(raw, server_hostname=host) if ssl_context else raw
    with conn, conn.makefile("rb") as stream:
        def run(*args: str | int) -> Any:
            conn.sendall(resp_encode(*args))
            return resp_read(stream)
        if password:
            run("AUTH", password)
        yield run


def resp_command(port: int, password: str | None, *args: str | int, host: str = HOST,
                 ssl_context: ssl.SSLContext | None = None, timeout: float = 2.0) -> Any:
    """Open a connection, AUTH when a password is given, run one command, return its reply."""
    with resp_connection(port, password, host=host, ssl_context=ssl_context, timeout=timeout) as run:
        return run(*args)


@functools.lru_cache(maxsize=1)
def redis_version() -> str:
    """The version of the local redis-server, e.g. ``7.0.15``."""
    try:
        output = subprocess.run([REDIS_SERVER, "--version"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return "unknown"
    for token in output.split():
        if token.startswith("v="):
            return token[2:]
    return "unknown"


def free_port(taken: set[int] | None = None) -> int:
    while True:
        with socket.socket() as sock:
            sock.bind((HOST, 0))
            port = sock.getsockname()[1]
        if not taken or port not in taken:
            return port


@dataclass(frozen=True)
class TLSFiles:
    ca_cert: Path
    cert: Path
    key: Path

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_cert))


_CA_CONFIG = """[req]
distinguished_name = dn
x509_extensions = v3_ca
prompt = no
[dn]
CN = LaunchKit Sandbox CA
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
"""

_SERVER_EXT = """basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
authorityKeyIdentifier = keyid
"""


def ensure_tls(state_dir: Path) -> TLSFiles | None:
    """A self-signed CA and a server certificate for 127.0.0.1/localhost, generated once."""
    directory = state_dir / "tls"
    files = TLSFiles(directory / "ca.crt", directory / "server.crt", directory / "server.key")
    if all(path.is_file() for path in (files.ca_cert, files.cert, files.key)):
        return files
    openssl = shutil.which("openssl")
    if openssl is None:
        print("sandbox: WARNING openssl not found: TLS databases fall back to plain TCP", file=sys.stderr)
        return None
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "ca.cnf").write_text(_CA_CONFIG)
    (directory / "server.ext").write_text(_SERVER_EXT)
    commands = [
        [openssl, "req", "-x509", "-new", "-nodes", "-newkey", "rsa:2048", "-days", "3650",
         "-keyout", "ca.key", "-out", "ca.crt", "-config", "ca.cnf"],
        [openssl, "req", "-new", "-nodes", "-newkey", "rsa:2048", "-subj", "/CN=127.0.0.1",
         "-keyout", "server.key", "-out", "server.csr"],
        [openssl, "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
         "-CAcreateserial", "-days", "3650", "-out", "server.crt", "-extfile", "server.ext"],
    ]
    for command in commands:
        subprocess.run(command, cwd=directory, check=True, capture_output=True)
    os.chmod(files.key, 0o644)  # redis-server may run as another user than the generator
    return files


@dataclass
class RedisInstance:
    name: str
    port: int
    password: str
    policy: str
    directory: Path
    tls: TLSFiles | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def command(self, *args: str | int, timeout: float = 2.0) -> Any:
        context = self.tls.client_context() if self.tls else None
        return resp_command(self.port, self.password, *args, ssl_context=context, timeout=timeout)

    def ping(self) -> bool:
        try:
            return self.command("PING", timeout=0.5) == "PONG"
        except (OSError, RespError, ConnectionError):
            return False

    def config_text(self) -> str:
        lines = [
            f"bind {HOST}", "protected-mode yes", f"requirepass {self.password}",
            f"maxmemory {MAXMEMORY}", f"maxmemory-policy {self.policy}",
            'save ""', "appendonly no", "daemonize no", f"dir {self.directory}",
            f"pidfile {self.directory / 'redis.pid'}", f"logfile {self.directory / 'redis.log'}",
        ]
        if self.tls is None:
            return "\n".join([*lines, f"port {self.port}"]) + "\n"
        tls = [
            "port 0", f"tls-port {self.port}", f"tls-cert-file {self.tls.cert}", f"tls-key-file {self.tls.key}",
            f"tls-ca-cert-file {self.tls.ca_cert}", "tls-auth-clients no",
        ]
        return "\n".join([*lines, *tls]) + "\n"


class RedisManager:
    """Starts, reconfigures and stops the sandbox's redis-server children."""

    def __init__(self, root: Path, tls: TLSFiles | None) -> None:
        self.root = root
        self.tls = tls
        self._instances: dict[str, RedisInstance] = {}
        self._lock = threading.RLock()

    def get(self, name: str) -> RedisInstance | None:
        return self._instances.get(name)

    def start(self, name: str, password: str, policy: str, *, port: int | None = None,
              use_tls: bool = False) -> RedisInstance:
        with self._lock:
            taken = {instance.port for instance in self._instances.values()}
            instance = self._instances.get(name) or RedisInstance(
                name, port or free_port(taken), password, policy, self.root / name,
                self.tls if use_tls else None)
            instance.policy = policy
            self._instances[name] = instance
            if not instance.running:
                self._spawn(instance)
            return instance

    def _spawn(self, instance: RedisInstance) -> None:
        instance.directory.mkdir(parents=True, exist_ok=True)
        config = instance.directory / "redis.conf"
        config.write_text(instance.config_text())
        instance.process = subprocess.Popen(
            [REDIS_SERVER, str(config)], stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def wait_ready(self, instance: RedisInstance, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if instance.ping():
                return True
            if instance.process is None or instance.process.poll() is not None:
                return False
            time.sleep(0.05)
        return False

    def set_policy(self, name: str, policy: str) -> None:
        instance = self._instances[name]
        instance.policy = policy
        if instance.running:
            instance.command("CONFIG", "SET", "maxmemory-policy", policy)

    def set_password(self, name: str, password: str) -> None:
        """A new requirepass at once (kept for restarts): AUTH with the old password fails from now on."""
        with self._lock:
            instance = self._instances[name]
            if instance.running:
                instance.command("CONFIG", "SET", "requirepass", password)
            instance.password = password

    def stop(self, name: str) -> None:
        with self._lock:
            instance = self._instances.get(name)
            if instance is not None:
                _terminate(instance.process)
                instance.process = None

    def remove(self, name: str) -> None:
        with self._lock:
            self.stop(name)
            instance = self._instances.pop(name, None)
            if instance is not None:
                shutil.rmtree(instance.directory, ignore_errors=True)

    def remove_all(self) -> None:
        with self._lock:
            for name in list(self._instances):
                self.remove(name)

    def clean_stale(self) -> None:
        """State lives in memory: stop what a previous (killed) sandbox left behind and wipe its dirs."""
        for pidfile in self.root.glob("*/redis.pid"):
            kill_pidfile(pidfile)
        for directory in self.root.glob("*/"):
            shutil.rmtree(directory, ignore_errors=True)


def _terminate(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def kill_pidfile(pidfile: Path) -> None:
    """SIGTERM the pid in ``pidfile`` if it still is a redis-server (pids get reused)."""
    try:
        pid = int(pidfile.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        if b"redis-server" in cmdline:
            os.kill(pid, signal.SIGTERM)
    except (OSError, ValueError):
        return
