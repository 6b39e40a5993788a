# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the one place secrets are kept and masked.

Not a public API; it may change between any two releases.

A run keeps one ``Secrets``: the HTTP core registers its tokens there, the logic registers every
secret it meets (a password inside a URL, a REST token, a value it wrote), errors are redacted with
it, and the module runner hands its values to Ansible's no_log masking. ``MASK`` is the one
placeholder, the same that Ansible prints for a no_log value.
"""
from __future__ import annotations

from typing import Iterable
from urllib.parse import urlsplit, urlunsplit

from ansible_collections.launchkit.paas.plugins.module_utils.core.plan import KNOWN_AFTER_APPLY

MASK = "********"
#: a secret's new value in a diff: marked, so that a changed secret never looks unchanged there
MASK_NEW = MASK + " (new value)"
#: shorter values are too likely to occur by chance in ordinary text to be masked everywhere
MIN_LENGTH = 4


class Secrets:
    """Values met while running that must never be printed (tokens, passwords inside URLs)."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self.values: set[str] = set()
        self.add(*values)

    def add(self, *values: str | None) -> None:
        for value in values:
            # The check-mode stand-in for a value not known yet is never a secret (core/plan.py).
            if value and len(value) >= MIN_LENGTH and value != KNOWN_AFTER_APPLY:
                self.values.add(value)

    def redact(self, text: str) -> str:
        """The text with every registered value (longest first) replaced by MASK."""
        for secret in sorted(self.values, key=len, reverse=True):
            text = text.replace(secret, MASK)
        return text


def mask_url(url: str | None) -> str | None:
    """The URL with its password replaced by MASK."""
    if not url:
        return url
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, f"{user}:{MASK}@{host}", parts.path, parts.query, parts.fragment))


def url_password(url: str | None) -> str | None:
    return urlsplit(url).password if url else None
