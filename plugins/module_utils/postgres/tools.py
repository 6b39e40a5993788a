# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: running the PostgreSQL client tools (pg_dump, pg_restore).

Not a public API; it may change between any two releases.

Where the tools are, how old they are against the server, and how they run: the password goes
through their environment (PGPASSWORD), never their command line; every run has what is left of
the caller's time budget as its timeout; a failure says the tail of stderr, every secret masked.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from ansible_collections.launchkit.paas.plugins.module_utils.postgres.connection import CLIENT_ONLY_PARAMS
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.wait import Deadline

PG_LIB = "/usr/lib/postgresql"
#: seconds the tools wait for a connection (PGCONNECT_TIMEOUT), unless the environment says otherwise
CONNECT_TIMEOUT = 30
#: seconds `pg_dump --version` may take
VERSION_TIMEOUT = 60
STDERR_LINES = 20
_CLIENT_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?(?:\.(\d+))?")
_TOC_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (?!DATA )", re.MULTILINE)


# -------------------------------------------------------------------------------------- versions
def client_version(text: str) -> int | None:
    """`pg_dump --version` output as a version number like the server's (15.4 -> 150004, 9.6.2 -> 90602)."""
    match = _CLIENT_VERSION.search(text or "")
    if not match:
        return None
    major, minor, patch = (int(part or 0) for part in match.groups())
    return major * 10000 + (minor if major >= 10 else minor * 100 + patch)


def major_key(version_num: int) -> tuple[int, int]:
    return (version_num // 10000, 0) if version_num >= 100000 else (version_num // 10000, version_num // 100 % 100)


def major_label(version_num: int) -> str:
    first, second = major_key(version_num)
    return f"{first}.{second}" if version_num < 100000 else str(first)


def installed_bin_dirs(root: str = PG_LIB) -> list[tuple[tuple[int, ...], str]]:
    """(version, bin dir) of the PostgreSQL installations under `root` with a pg_dump, newest first."""
    found = []
    for name in os.listdir(root) if os.path.isdir(root) else []:
        path = os.path.join(root, name, "bin")
        if re.fullmatch(r"\d+(\.\d+)?", name) and os.access(os.path.join(path, "pg_dump"), os.X_OK):
            found.append((tuple(int(p) for p in name.split(".")), path))
    return sorted(found, reverse=True)


def version_problem(client_num: int | None, server_num: int, pg_dump: str, root: str = PG_LIB) -> str | None:
    """The warning when pg_dump is older than the server's major version (pg_dump then refuses to dump)."""
    if client_num is None or major_key(client_num) >= major_key(server_num):
        return None
    server = major_label(server_num)
    text = (f"pg_dump {major_label(client_num)} ({pg_dump}) is older than the server's PostgreSQL {server} and "
            f"cannot dump it: install the PostgreSQL {server} client tools (Debian and Ubuntu: the package "
            f"postgresql-client-{server}, from apt.postgresql.org when the release has none) and set pg_bin_dir "
            "to their bin directory")
    newer = [path for version, path in installed_bin_dirs(root) if version >= major_key(server_num)[:len(version)]]
    if newer:
        text += f"; {newer[0]} has one: set pg_bin_dir: {newer[0]}"
    return text


# ------------------------------------------------------------------------------------ where, how
def find_bin_dir(pg_bin_dir: str | None, need_restore: bool, root: str = PG_LIB) -> str:
    """Where pg_dump (and pg_restore) are: pg_bin_dir, else PATH, else the newest install under `root`."""
    tools = ["pg_dump", "pg_restore"] if need_restore else ["pg_dump"]
    if pg_bin_dir:
        missing = [t for t in tools if not os.access(os.path.join(pg_bin_dir, t), os.X_OK)]
        if missing:
            raise ResourceError(f"pg_bin_dir {pg_bin_dir} has no executable {' or '.join(missing)}")
        return pg_bin_dir
    on_path = shutil.which("pg_dump")
    if on_path and all(shutil.which(t) for t in tools):
        return os.path.dirname(on_path)
    installed = installed_bin_dirs(root)
    if installed:
        return installed[0][1]
    raise ResourceError("pg_dump was not found on PATH nor under /usr/lib/postgresql: install the PostgreSQL "
                        "client tools (Debian and Ubuntu: postgresql-client) or set pg_bin_dir")


def tool_target(url: str, sslmode: str | None) -> tuple[str, str | None]:
    """(`url` without its password, for a tool's argv; the password, for its environment).

    An sslmode option replaces the URL's own, as it does for the psycopg2 connections.
    """
    parts = urlsplit(url)
    user_info, at, host = parts.netloc.rpartition("@")
    user, colon, raw_password = user_info.partition(":")
    password = unquote(raw_password) if colon and raw_password else None
    query = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key == "password":
            password = value or password
        elif key in CLIENT_ONLY_PARAMS:  # pg_dump refuses them as libpq does
            continue
        elif not (sslmode and key == "sslmode"):
            query.append((key, value))
    if sslmode:
        query.append(("sslmode", sslmode))
    netloc = f"{user}@{host}" if at and user else host
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query), "")), password


def tool_env(password: str | None) -> dict[str, str]:
    env = dict(os.environ)
    if password is not None:
        env["PGPASSWORD"] = password
    env.setdefault("PGCONNECT_TIMEOUT", str(CONNECT_TIMEOUT))
    return env


def stderr_tail(text: str, secrets: Secrets) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return secrets.redact(" | ".join(lines[-STDERR_LINES:])) or "no message"


# ------------------------------------------------------------------------------------------- runs
def time_left(deadline: Deadline, what: str) -> float:
    """The seconds `what` may take; a ResourceError when the budget is spent before it starts."""
    remaining = deadline.left()
    if remaining <= 0:
        raise ResourceError(f"timeout of {deadline.seconds:g} s reached before {what}")
    return remaining


def run_tool(argv: list[str], password: str | None, deadline: Deadline, what: str,
             secrets: Secrets) -> subprocess.CompletedProcess:
    """Run one tool within what is left of `deadline`; its exit code is the caller's to judge."""
    try:
        return subprocess.run(argv, env=tool_env(password), capture_output=True, text=True, check=False,
                              timeout=time_left(deadline, what))
    except subprocess.TimeoutExpired:
        raise ResourceError(f"{what} did not finish within the timeout of {deadline.seconds:g} s") from None
    except OSError as exc:
        raise ResourceError(secrets.redact(f"cannot run {argv[0]}: {exc}")) from None


def check_exit(done: subprocess.CompletedProcess, what: str, secrets: Secrets, hint: str = "") -> None:
    """A ResourceError naming `what`, its exit code and the tail of its stderr, when the tool failed."""
    if done.returncode != 0:
        raise ResourceError(secrets.redact(f"{what} failed (exit {done.returncode}): "
                                           f"{stderr_tail(done.stderr, secrets)}{hint}"))


def tool_version(pg_dump: str, secrets: Secrets) -> int | None:
    done = run_tool([pg_dump, "--version"], None, Deadline(VERSION_TIMEOUT), f"{pg_dump} --version", secrets)
    return client_version(done.stdout) if done.returncode == 0 else None


def dump_problem(pg_dump: str, conn: Any, secrets: Secrets) -> str | None:
    """The warning when this pg_dump cannot dump the server of `conn` (see version_problem)."""
    return version_problem(tool_version(pg_dump, secrets), conn.server_version, pg_dump)


def toc_tables(bin_dir: str, path: str, deadline: Deadline, secrets: Secrets) -> int | None:
    """How many tables the archive at `path` holds, from its table of contents (None when unreadable)."""
    done = run_tool([os.path.join(bin_dir, "pg_restore"), "--list", path], None, deadline, "pg_restore --list",
                    secrets)
    return len(_TOC_TABLE.findall(done.stdout)) if done.returncode == 0 else None
