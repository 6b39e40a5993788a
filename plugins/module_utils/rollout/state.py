# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: where the rollback records and the run lock of a stack are kept.

Not a public API; it may change between any two releases.

Two backends, chosen by ``state_backend`` (``launchkit_state_backend``):

- ``file`` (the default): ``<state_dir>/<stack>/<phase>.json`` and ``<state_dir>/<stack>/run.lock`` on the
  controller, as before.
- ``postgresql``: three tables in the database that ``state_dsn`` names (``LAUNCHKIT_STATE_DSN``, a
  ``postgresql://`` URL), created when missing: ``launchkit_state_schema`` (one row, the schema version),
  ``launchkit_state_records`` (one row per stack and phase) and ``launchkit_state_locks`` (one row per stack
  while a run holds it). A record or lock is keyed exactly as its file is: by stack (the inventory host) and
  phase. Every call opens a connection of its own and commits before it returns.

Records hold previous secret values, so they are sealed when a key is given (``state_key``,
``LAUNCHKIT_STATE_KEY``): AES-256-GCM with a 256-bit key derived from the key string by scrypt (N=2^14, r=8,
p=1) and a random 16-byte salt per record, a random 96-bit nonce, and the stack and phase as associated data
(a sealed record moved to another stack or phase does not open). The postgresql backend refuses to run
without a key; the file backend seals when one is given and still reads the plain records written before.
A record sealed with another key fails with a message that says so; the record is never shown.

The same backend keeps the digests of write-only secrets (core/kept.py): with the file backend the files they have
always been, with the postgresql backend rows of the records table under the stack ``KEPT_STACK``, which no
inventory host can be named (it holds a '/'), sealed as records are.
"""
from __future__ import annotations

import base64
import json
import os
from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.files import read_text, write_text
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets

BACKENDS = ("file", "postgresql")
SCHEMA_VERSION = 1
SCHEMA_TABLE = "launchkit_state_schema"
RECORDS_TABLE = "launchkit_state_records"
LOCKS_TABLE = "launchkit_state_locks"
SEALED = "launchkit_sealed"
CIPHER = "aes-256-gcm"
KDF = {"name": "scrypt", "n": 2 ** 14, "r": 8, "p": 1}
CONNECT_TIMEOUT = 10
KEY_VARS = "launchkit_state_key (or LAUNCHKIT_STATE_KEY)"
#: the stack of the kept digests' rows (core/kept.py): a stack name checked_name refuses, so no host's records meet them
KEPT_STACK = "launchkit.paas/kept"


class Kind:
    """What a stored text is, as a message names it, and what is lost when it is removed."""

    def __init__(self, noun: str, lost: str) -> None:
        self.noun = noun
        self.lost = lost


RECORD = Kind("rollback record", "its phase then has nothing to roll back")
KEPT = Kind("record of kept digests", "its secrets are then written once again and their digests kept anew")


# -------------------------------------------------------------------------------------- options
def state_options() -> dict:
    """Which backend keeps the records and locks, and its connection and key (doc fragment rollback_record.STATE)."""
    from ansible.module_utils.basic import env_fallback

    return {"state_backend": {"type": "str", "choices": list(BACKENDS), "default": "file",
                              "fallback": (env_fallback, ["LAUNCHKIT_STATE_BACKEND"])},
            "state_dsn": {"type": "str", "no_log": True, "fallback": (env_fallback, ["LAUNCHKIT_STATE_DSN"])},
            "state_key": {"type": "str", "no_log": True, "fallback": (env_fallback, ["LAUNCHKIT_STATE_KEY"])}}


# ----------------------------------------------------------------------------------------- cipher
def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    return base64.b64decode(str(text).encode("ascii"), validate=True)


class Cipher:
    """Seals and opens record text with a key string (AES-256-GCM, key derived by scrypt; see the module doc)."""

    def __init__(self, key: str) -> None:
        if not key:
            raise ValueError(f"an empty {KEY_VARS} cannot seal the records")
        self._key = key.encode("utf-8")
        self._derived: dict[tuple, bytes] = {}

    def _derive(self, salt: bytes, n: int, r: int, p: int) -> bytes:
        from cryptography.hazmat.primitives.kdf.scrypt import Scrypt  # pylint: disable=import-outside-toplevel

        if (salt, n, r, p) not in self._derived:
            self._derived[(salt, n, r, p)] = Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(self._key)
        return self._derived[(salt, n, r, p)]

    def seal(self, text: str, context: str) -> str:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # pylint: disable=import-outside-toplevel

        salt, nonce = os.urandom(16), os.urandom(12)
        key = self._derive(salt, KDF["n"], KDF["r"], KDF["p"])
        data = AESGCM(key).encrypt(nonce, text.encode("utf-8"), context.encode("utf-8"))
        return json.dumps({SEALED: 1, "cipher": CIPHER, "kdf": KDF, "salt": _b64(salt), "nonce": _b64(nonce),
                           "data": _b64(data)}, sort_keys=True) + "\n"

    def open(self, envelope: dict, context: str, where: str, kind: Kind = RECORD) -> str:
        """The text sealed in `envelope`; a key that does not match fails with a message that says so."""
        from cryptography.exceptions import InvalidTag  # pylint: disable=import-outside-toplevel
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # pylint: disable=import-outside-toplevel

        kdf = envelope.get("kdf")
        if envelope.get("cipher") != CIPHER or not isinstance(kdf, dict) or kdf.get("name") != "scrypt":
            raise ValueError(f"the {kind.noun} {where} is sealed with {envelope.get('cipher')!r}, which this "
                             f"release of launchkit.paas does not know (it knows {CIPHER} with scrypt)")
        try:
            key = self._derive(_unb64(envelope["salt"]), int(kdf["n"]), int(kdf["r"]), int(kdf["p"]))
            return AESGCM(key).decrypt(_unb64(envelope["nonce"]), _unb64(envelope["data"]),
                                       context.encode("utf-8")).decode("utf-8")
        except InvalidTag:
            raise ValueError(f"the {kind.noun} {where} cannot be opened: the state key ({KEY_VARS}) does not "
                             "match the key it was sealed with (or the record was altered). Nothing was written; "
                             "run again with the key it was written with") from None
        except (KeyError, TypeError, ValueError, UnicodeDecodeError):
            raise ValueError(f"the {kind.noun} {where} is sealed but damaged: restore it from a backup or remove "
                             f"it ({kind.lost})") from None


def context_of(stack: str, phase: str) -> str:
    """The associated data of a sealed record: it opens only as the record of this stack and phase."""
    return f"launchkit.paas state v{SCHEMA_VERSION} record {stack}/{phase}"


# ------------------------------------------------------------------------------------------ stores
class FileStore:
    """Records and locks as files under `state_dir` (one directory per stack)."""

    backend = "file"

    def __init__(self, state_dir: str | None) -> None:
        self.state_dir = state_dir

    def _path(self, stack: str, name: str) -> str:
        if not self.state_dir:
            raise ValueError("no directory for the rollback records: set the state directory option (record_dir or "
                             "state_dir) or LAUNCHKIT_STATE_DIR")
        return os.path.join(self.state_dir, stack, name)

    def where(self, stack: str, phase: str) -> str:
        return self._path(stack, phase + ".json")

    def get(self, stack: str, phase: str) -> str | None:
        return read_text(self.where(stack, phase))

    def put(self, stack: str, phase: str, text: str) -> None:
        write_text(self.where(stack, phase), text)

    def delete(self, stack: str, phase: str) -> None:
        try:
            os.unlink(self.where(stack, phase))
        except FileNotFoundError:
            pass


def dsn_parts(dsn: str) -> dict[str, str]:
    """The DSN's parts (psycopg2's parser); a DSN that is no postgresql:// URL fails without showing it."""
    if not dsn:
        raise ValueError("the postgresql state backend needs launchkit_state_dsn (or LAUNCHKIT_STATE_DSN), a "
                         "postgresql://user:password@host:port/database URL")
    if not dsn.startswith(("postgresql://", "postgres://")):
        raise ValueError("launchkit_state_dsn (LAUNCHKIT_STATE_DSN) is not a postgresql:// URL "
                         "(postgresql://user:password@host:port/database)")
    from psycopg2.extensions import parse_dsn  # pylint: disable=import-outside-toplevel

    try:
        return parse_dsn(dsn)
    # Its message may quote the DSN, password and all: not shown.
    except Exception:  # pylint: disable=broad-exception-caught
        raise ValueError("launchkit_state_dsn (LAUNCHKIT_STATE_DSN) cannot be read as a postgresql:// URL") from None


class PostgresStore:
    """Records and locks as rows of the tables in the database `dsn` names (created when missing)."""

    backend = "postgresql"

    def __init__(self, dsn: str, secrets: Secrets | None = None) -> None:
        self.dsn = dsn
        parts = dsn_parts(dsn)
        if secrets is not None:
            secrets.add(parts.get("password"))
        self.name = (f"postgresql://{parts.get('user') or ''}{'@' if parts.get('user') else ''}"
                     f"{parts.get('host') or 'localhost'}:{parts.get('port') or 5432}/{parts.get('dbname') or ''}")
        self._ready = False

    def where(self, stack: str, phase: str) -> str:
        return f"{self.name} {RECORDS_TABLE} (stack {stack}, phase {phase})"

    def lock_where(self, stack: str) -> str:
        return f"{self.name} {LOCKS_TABLE} (stack {stack})"

    def connect(self) -> Any:
        """A connection to the state database, its tables there (the first time in this process)."""
        import psycopg2  # pylint: disable=import-outside-toplevel

        try:
            connection = psycopg2.connect(self.dsn, connect_timeout=CONNECT_TIMEOUT,
                                          application_name="launchkit.paas state")
        except psycopg2.Error as exc:
            reason = (str(exc).strip().splitlines() or ["no reason given"])[0]
            raise ValueError(f"the state database {self.name} cannot be reached ({reason}); nothing was written. "
                             "Check launchkit_state_dsn (LAUNCHKIT_STATE_DSN)") from None
        try:
            if not self._ready:
                ensure_schema(connection, self.name)
                self._ready = True
        except BaseException:
            connection.close()
            raise
        return connection

    def _run(self, query: str, args: tuple) -> list[tuple]:
        import psycopg2  # pylint: disable=import-outside-toplevel

        connection = self.connect()
        try:
            with connection, connection.cursor() as cursor:
                cursor.execute(query, args)
                return cursor.fetchall() if cursor.description else []
        except psycopg2.Error as exc:
            reason = (str(exc).strip().splitlines() or ["no reason given"])[0]
            raise ValueError(f"the state database {self.name} refused a query ({reason})") from None
        finally:
            connection.close()

    def get(self, stack: str, phase: str) -> str | None:
        rows = self._run(f"SELECT body FROM {RECORDS_TABLE} WHERE stack = %s AND phase = %s", (stack, phase))
        return rows[0][0] if rows else None

    def put(self, stack: str, phase: str, text: str) -> None:
        self._run(f"INSERT INTO {RECORDS_TABLE} (stack, phase, body) VALUES (%s, %s, %s) "
                  "ON CONFLICT (stack, phase) DO UPDATE SET body = EXCLUDED.body, updated_at = now()",
                  (stack, phase, text))

    def delete(self, stack: str, phase: str) -> None:
        self._run(f"DELETE FROM {RECORDS_TABLE} WHERE stack = %s AND phase = %s", (stack, phase))


SCHEMA = (
    f"CREATE TABLE IF NOT EXISTS {SCHEMA_TABLE} ("
    " singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), version integer NOT NULL)",
    f"CREATE TABLE IF NOT EXISTS {RECORDS_TABLE} ("
    " stack text NOT NULL, phase text NOT NULL, body text NOT NULL,"
    " updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (stack, phase))",
    f"CREATE TABLE IF NOT EXISTS {LOCKS_TABLE} ("
    " stack text PRIMARY KEY, holder jsonb NOT NULL, acquired_at timestamptz NOT NULL,"
    " expires_at timestamptz NOT NULL)",
    f"INSERT INTO {SCHEMA_TABLE} (version) VALUES ({SCHEMA_VERSION}) ON CONFLICT DO NOTHING",
)
#: pg_advisory_xact_lock key of the schema's creation (two first runs at once do not race on CREATE TABLE)
SCHEMA_LOCK = 7461_0001


def schema_version(connection: Any) -> int | None:
    """The schema version the database holds, or None when there is no schema yet."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", (SCHEMA_TABLE,))
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(f"SELECT version FROM {SCHEMA_TABLE}")
        row = cursor.fetchone()
        return int(row[0]) if row else None


def ensure_schema(connection: Any, name: str) -> int:
    """Create the state tables when missing (once, under a transaction-level advisory lock); their version."""
    import psycopg2  # pylint: disable=import-outside-toplevel

    try:
        with connection:
            version = schema_version(connection)
            if version is None:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
                    for statement in SCHEMA:
                        cursor.execute(statement)
                version = schema_version(connection)
    except psycopg2.Error as exc:
        reason = (str(exc).strip().splitlines() or ["no reason given"])[0]
        raise ValueError(f"the state tables cannot be created in {name} ({reason}): the user of "
                         "launchkit_state_dsn needs CREATE on its schema, or create them once as their owner "
                         "(docs/state.md)") from None
    if version is not None and version > SCHEMA_VERSION:
        raise ValueError(f"the state tables in {name} have schema version {version}, newer than this release of "
                         f"launchkit.paas knows ({SCHEMA_VERSION}): use the release that wrote them, or a newer one")
    return version or SCHEMA_VERSION


# ----------------------------------------------------------------------------------------- records
class Target:
    """One record (a stack's phase) in its store, sealed with `cipher` when there is one."""

    def __init__(self, store: Any, stack: str, phase: str, cipher: Cipher | None, kind: Kind = RECORD) -> None:
        self.store = store
        self.stack = stack
        self.phase = phase
        self.cipher = cipher
        self.kind = kind

    def __str__(self) -> str:
        return self.where

    @property
    def where(self) -> str:
        return self.store.where(self.stack, self.phase)

    def text(self) -> str | None:
        return self.store.get(self.stack, self.phase)

    def exists(self) -> bool:
        return self.text() is not None

    def read(self) -> dict:
        """The record ({} when there is none); a damaged or sealed-with-another-key one fails with what to do."""
        return parse(self.text(), self.where, self.cipher, context_of(self.stack, self.phase), self.kind)

    def stored(self) -> dict | None:
        """The record, or None when there is none (one read)."""
        text = self.text()
        return None if text is None else parse(text, self.where, self.cipher, context_of(self.stack, self.phase),
                                               self.kind)

    def write(self, record: dict) -> None:
        text = json.dumps(record, indent=4, sort_keys=True) + "\n"
        if self.cipher is not None:
            text = self.cipher.seal(text, context_of(self.stack, self.phase))
        self.store.put(self.stack, self.phase, text)

    def remove(self) -> None:
        self.store.delete(self.stack, self.phase)


def _json(text: str, where: str, kind: Kind) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ValueError(f"the {kind.noun} {where} is not JSON ({exc.msg} at line {exc.lineno}): restore it "
                         f"from a backup or remove it ({kind.lost})") from None


def parse(text: str | None, where: str, cipher: Cipher | None, context: str, kind: Kind = RECORD) -> dict:
    """A record's stored text as the record (opened with `cipher` when sealed)."""
    if text is None:
        return {}
    record = _json(text, where, kind)
    if isinstance(record, dict) and record.get(SEALED):
        if cipher is None:
            raise ValueError(f"the {kind.noun} {where} is sealed: give the key it was written with "
                             f"({KEY_VARS})")
        record = _json(cipher.open(record, context, where, kind), where, kind)
    if not isinstance(record, dict):
        raise ValueError(f"the {kind.noun} {where} is not a JSON object: restore it or remove it")
    return record


def store_for(params: dict, dir_key: str = "state_dir", secrets: Secrets | None = None) -> tuple[Any, Cipher | None]:
    """The store and cipher the module's options name; the postgresql backend without a key fails here,
    before anything is read or written."""
    backend = params.get("state_backend") or "file"
    key = params.get("state_key") or None
    if backend == "postgresql":
        if not key:
            raise ValueError(f"the postgresql state backend needs {KEY_VARS}: the records hold previous secret "
                             "values and are kept there only sealed. Nothing was written")
        store: Any = PostgresStore(params.get("state_dsn") or "", secrets)
    elif backend == "file":
        store = FileStore(params.get(dir_key))
    else:
        raise ValueError(f"launchkit_state_backend {backend!r} is not one of {', '.join(BACKENDS)}")
    return store, (Cipher(key) if key else None)
