# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the backup files of postgres_backup in their directory.

Not a public API; it may change between any two releases.

A backup is ``<dest>/<prefix>-<UTC timestamp>.<instance>.dump``, where the instance tag (``i`` and ten
hex digits) names the database it was taken of: the same prefix can hold backups of a database that
was deleted and created again under the same name, and those are never counted as the new one's
backups, nor removed by its retention. Only files named like one prefix's backups of one instance
are ever listed, counted by retention or removed; a dump gets its final name by an atomic rename
that never replaces a file, made durable on disk.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets

SUFFIX = ".dump"
STAMP = "%Y%m%dT%H%M%S"


@dataclass(frozen=True)
class Backup:
    path: str
    created_at: datetime
    size_bytes: int | None

    @property
    def name(self) -> str:
        return os.path.basename(self.path)

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "size_bytes": self.size_bytes, "created_at": iso(self.created_at)}


# ------------------------------------------------------------------------------------------ names
def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def backup_name(prefix: str, when: datetime, instance: str | None = None) -> str:
    """`<prefix>-20250301T020000.123Z.<instance>.dump`: UTC, to the millisecond so quick runs never collide.

    Without an instance, the untagged name of backups made before instances were recorded.
    """
    when = when.astimezone(timezone.utc)
    tag = f".{instance}" if instance else ""
    return f"{prefix}-{when.strftime(STAMP)}.{when.microsecond // 1000:03d}Z{tag}{SUFFIX}"


def name_pattern(prefix: str) -> re.Pattern:
    return re.compile(
        rf"^{re.escape(prefix)}-(\d{{8}}T\d{{6}})(?:\.(\d{{1,6}}))?Z(?:\.(i[0-9a-f]{{10}}))?{re.escape(SUFFIX)}$")


def parse_name(name: str, prefix: str, instance: str | None = None) -> datetime | None:
    """The UTC time in a backup file name of `prefix` and `instance`, or None when it is not one of theirs."""
    found = parse_any(name, prefix)
    return found[0] if found and found[1] == instance else None


def parse_any(name: str, prefix: str) -> tuple[datetime, str | None] | None:
    """(time, instance tag or None) of a backup file name of `prefix`, of any instance; None otherwise."""
    match = name_pattern(prefix).match(name)
    if not match:
        return None
    when = _stamp(match)
    return (when, match[3]) if when is not None else None


def _stamp(match: re.Match) -> datetime | None:
    try:
        when = datetime.strptime(match[1], STAMP).replace(tzinfo=timezone.utc)
    except ValueError:
        return None
    return when.replace(microsecond=int(match[2].ljust(6, "0"))) if match[2] else when


# ---------------------------------------------------------------------------------- listing, age
def list_backups(dest: str, prefix: str, instance: str | None = None) -> list[Backup]:
    """The backups of `prefix` and `instance` in `dest` (regular files only), newest first."""
    return [backup for backup, tag in _scan(dest, prefix) if tag == instance]


def other_instances(dest: str, prefix: str, instance: str | None) -> list[Backup]:
    """The backups of `prefix` in `dest` taken of another instance (or untagged), newest first."""
    return [backup for backup, tag in _scan(dest, prefix) if tag != instance]


def _scan(dest: str, prefix: str) -> list[tuple[Backup, str | None]]:
    if not os.path.isdir(dest):
        return []
    found = []
    with os.scandir(dest) as entries:
        for entry in entries:
            parsed = parse_any(entry.name, prefix)
            if parsed is not None and entry.is_file(follow_symlinks=False):
                found.append((Backup(entry.path, parsed[0], entry.stat(follow_symlinks=False).st_size), parsed[1]))
    return sorted(found, key=lambda item: (item[0].created_at, item[0].name), reverse=True)


def retention_split(backups: list[Backup], retention: int) -> tuple[list[Backup], list[Backup]]:
    """(kept, removed) of `backups` (newest first): the newest `retention` stay; 0 keeps all."""
    if retention <= 0:
        return list(backups), []
    return list(backups[:retention]), list(backups[retention:])


def needs_dump(newest: Backup | None, max_age: int, now: datetime) -> bool:
    """A dump is due unless the newest backup is younger than `max_age` seconds (0: always due)."""
    if max_age <= 0 or newest is None:
        return True
    return (now - newest.created_at).total_seconds() >= max_age


# ------------------------------------------------------------------------------------------ writes
def ensure_dest(dest: str) -> None:
    if not os.path.isdir(dest):
        os.makedirs(dest, mode=0o700, exist_ok=True)
        os.chmod(dest, 0o700)


def seal(path: str) -> None:
    """Make a written dump private (0600) and durable on disk."""
    os.chmod(path, 0o600)
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def publish(tmp: str, final: str) -> None:
    """Give the checked dump its final name (never over an existing file) and make the rename durable."""
    if os.path.lexists(final):
        raise ResourceError(f"{final} already exists; it is left as it is")
    os.rename(tmp, final)
    _fsync_dir(os.path.dirname(final))


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:  # some filesystems cannot sync a directory; the rename itself is done
        pass
    finally:
        os.close(fd)


def remove_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def remove_backups(backups: list[Backup], secrets: Secrets) -> list[str]:
    """Remove `backups`; the paths gone (a file already missing counts as removed)."""
    removed, failed = [], []
    for backup in backups:
        try:
            os.unlink(backup.path)
            removed.append(backup.path)
        except FileNotFoundError:
            removed.append(backup.path)
        except OSError as exc:
            failed.append(f"{backup.path} ({exc.strerror})")
    if failed:
        raise ResourceError(secrets.redact(f"retention could not remove {', '.join(failed)}"),
                            removed=removed, changed=True)
    return removed
