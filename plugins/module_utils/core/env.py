# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: key-level env changes, whatever the platform holds the env.

Not a public API; it may change between any two releases.
"""
from __future__ import annotations

import base64
import secrets as random_source
import string
from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.plan import KNOWN_AFTER_APPLY, is_unknown
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import MASK, MASK_NEW

#: a key's value before a change where the platform never shows values (kept in rollback records)
NOT_SHOWN = {"value_not_shown": True}


def env_string(value: Any) -> str:
    """An env value as the platforms store it: a string (booleans lower-case, as a shell would write them)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def refuse_clash(env: dict, remove: list[str]) -> None:
    """Fail before any call when a key is both set and removed."""
    clash = sorted(set(env) & set(remove))
    if clash:
        raise ValueError(f"keys both set (env) and removed (remove): {', '.join(clash)}; keep each key in one")


def refuse_copy_clash(env: dict, remove: list[str], copy: dict) -> None:
    """Fail before any call when a copied key is also set or removed, or copies from a key removed or copied."""
    problems = []
    for target, source in copy.items():
        if target == source:
            problems.append(f"{target} is copied from itself")
        elif target in env or target in remove:
            problems.append(f"{target} is both copied (copy) and {'set (env)' if target in env else 'removed (remove)'}")
        elif source in remove:
            problems.append(f"{target} is copied from {source}, which is removed (remove)")
        elif source in copy:
            problems.append(f"{target} is copied from {source}, which is itself copied: copy from {copy[source]}")
    if problems:
        raise ValueError("; ".join(problems))


def plan_env_changes(current: dict[str, str], env: dict[str, Any], remove: list[str], purge: bool) -> dict:
    """Which keys to set and which to delete; every other key is left alone (unless `purge`)."""
    wanted = {key: env_string(value) for key, value in env.items()}
    to_set = {key: value for key, value in wanted.items() if current.get(key) != value}
    to_delete = [key for key in remove if key in current and key not in env]
    if purge:
        to_delete += [key for key in current if key not in env and key not in to_delete]
    return {"set": to_set, "delete": sorted(to_delete)}


def env_diff(current: dict, plan: dict) -> dict:
    """The diff of a plan: key names only, every value treated as a secret."""
    before = {key: MASK for key in [*plan["set"], *plan["delete"]] if key in current}
    after = {key: KNOWN_AFTER_APPLY if is_unknown(value) else MASK_NEW for key, value in plan["set"].items()}
    return {"before": before, "after": after}


SECRET_FORMATS = ("hex", "base64", "urlsafe", "alphanumeric")
ALPHANUMERIC = string.ascii_letters + string.digits


def check_secret_spec(key: str, length: int, fmt: str) -> None:
    """Fail (before any call) on a generated secret's length or format that generate_secret refuses."""
    if fmt not in SECRET_FORMATS or not 16 <= length <= 4096:
        raise ValueError(f"{key}: a generated secret needs a format of {', '.join(SECRET_FORMATS)} and 16 to 4096 "
                         f"characters, not {fmt!r} and {length}")


def generate_secret(length: int, fmt: str) -> str:
    """A new random value of LENGTH characters from the OS's CSPRNG: hex (Rails' SECRET_KEY_BASE is 128
    of them), base64 or urlsafe (base64 alphabets, no padding) or alphanumeric."""
    check_secret_spec("secret", length, fmt)
    if fmt == "hex":
        return random_source.token_hex((length + 1) // 2)[:length]
    if fmt == "alphanumeric":
        return "".join(random_source.choice(ALPHANUMERIC) for _position in range(length))
    raw = random_source.token_bytes(length)  # more than enough: base64 gives 4 characters per 3 bytes
    encoded = base64.urlsafe_b64encode(raw) if fmt == "urlsafe" else base64.b64encode(raw)
    return encoded.decode().rstrip("=")[:length]
