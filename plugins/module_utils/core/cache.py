# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: list answers shared by the tasks of one run.

Not a public API; it may change between any two releases.

A run of ansible-playbook lists a workspace's services in every phase and for every service a task
names; the answer is the same until somebody writes. The tasks of a run are separate processes
(forks of the controller), so the answers are shared through files in the run's own private
temporary directory (Ansible's local tmp, mode 0700, removed when the run ends): one directory per
client (a vendor, its base URL and a digest of the credential), each answer stored with the client's
generation at the time it was asked for. Any write through the client first bumps its generation
(under an fcntl lock), and again once it is done, so an answer read before or during the write, even
one stored after it by a slower task, never serves again: a vendor's paths do not say which lists a
write changes (Sentry creates a team under /organizations and reads it under /teams), so every
write makes all of that vendor's answers stale. Only the answers a client marks cacheable are kept,
and never one that carries a secret (env values, connection strings, keys). Where a task only needs
to know whether a secret has a given value already (an env key of a service), the run keeps a keyed
digest of it (HMAC-SHA256 with a random key of the run, in the same private directory), never the
value.

In check mode nothing is written, so a later task would read the state before the writes the run
plans: the env a phase plans for a service (key digests, never values) is kept as the run's plan
(``planned``/``add_planned``) and read over the vendor's answers by later check-mode tasks, so that
a check run predicts what the real run does after its earlier writes.

The action plugins turn the cache on (``use_directory``) for a task that runs in the controller; a
module run as a separate process has no cache.
"""
from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import tempfile
from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.files import read_text, write_text

#: set by the action plugin for the task it runs (the run's private cache directory), else None
DIRECTORY: str | None = None


def use_directory(directory: str | None) -> None:
    """Cache the answers of the task about to run under `directory` (None: no cache)."""
    global DIRECTORY  # pylint: disable=global-statement
    DIRECTORY = directory


def _digest(*parts: Any) -> str:
    return hashlib.sha256("\0".join(str(part) for part in parts).encode("utf-8")).hexdigest()[:32]


class RunCache:
    """The answers of one credential at one base URL, kept for the run."""

    def __init__(self, directory: str, vendor: str, base_url: str, credential: str) -> None:
        self.root = os.path.join(directory, _digest(vendor, base_url, credential))

    def generation(self) -> int:
        try:
            return int((read_text(os.path.join(self.root, "generation")) or "0").strip() or 0)
        except ValueError:
            return 0

    def get(self, path: str, params: dict | None) -> tuple[bool, Any]:
        """(True, body) when the answer is stored for the current generation, else (False, None)."""
        try:
            stored = json.loads(read_text(self._entry(path, params)) or "{}")
        except ValueError:
            return False, None
        if "generation" not in stored or stored["generation"] != self.generation():
            return False, None
        return True, stored.get("body")

    def put(self, path: str, params: dict | None, generation: int, body: Any) -> None:
        """Keep an answer read when the client's answers were at `generation`."""
        write_text(self._entry(path, params), json.dumps({"generation": generation, "body": body}))

    def invalidate(self) -> None:
        """A write: every answer kept so far is stale from now on."""
        os.makedirs(self.root, mode=0o700, exist_ok=True)
        with open(os.path.join(self.root, "lock"), "a", encoding="utf-8") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                write_text(os.path.join(self.root, "generation"), str(self.generation() + 1))
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def planned(self, name: str) -> dict:
        """What the check-mode tasks of this run planned under `name` so far ({} when nothing)."""
        try:
            return json.loads(read_text(os.path.join(self.root, "plan-" + _digest(name) + ".json")) or "{}")
        except ValueError:
            return {}

    def add_planned(self, name: str, update: dict) -> None:
        """Merge `update` into what is planned under `name` (check mode only: no write was made)."""
        os.makedirs(self.root, mode=0o700, exist_ok=True)
        with open(os.path.join(self.root, "lock"), "a", encoding="utf-8") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                write_text(os.path.join(self.root, "plan-" + _digest(name) + ".json"),
                           json.dumps({**self.planned(name), **update}))
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def digest_key(self) -> bytes:
        """The run's random key for digests of secret values (made by the first task that needs it)."""
        path = os.path.join(self.root, "digest.key")
        os.makedirs(self.root, mode=0o700, exist_ok=True)
        # Written whole under a name of its own, then linked into place: the link is made only when there is no
        # key yet, and a task of another worker never reads a key half written (an empty key digests otherwise).
        key = os.urandom(32)
        fd, written = tempfile.mkstemp(dir=self.root, prefix=".digest.key.")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(key)
            os.link(written, path)
        except FileExistsError:
            with open(path, "rb") as existing:
                key = existing.read()
        finally:
            os.unlink(written)
        return key

    def _entry(self, path: str, params: dict | None) -> str:
        return os.path.join(self.root, _digest(path, _query(params)) + ".json")


def for_client(vendor: str, base_url: str, credential: str) -> RunCache | None:
    """The run's cache for a client, or None when the task runs without one."""
    return RunCache(DIRECTORY, vendor, base_url, credential) if DIRECTORY else None


def keyed_digest(key: bytes, value: str) -> str:
    """A digest of a secret value that says whether two values are equal, and nothing else without the key."""
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def _query(params: dict | None) -> str:
    return json.dumps({key: value for key, value in (params or {}).items() if value is not None},
                      sort_keys=True, default=str)
