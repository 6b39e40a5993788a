# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: smtp_env
short_description: The env keys that give an app SendGrid's SMTP relay settings, checked before any write
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Given the env names an app reads for each SMTP setting (C(address), C(port), C(username),
    C(password), C(starttls); only those given are written), returns what M(launchkit.paas.app_env)
    takes, C({env, copy}). C(env) holds the settings that are no secret (the user name is SendGrid's
    fixed C(apikey)); C(copy) gives the password name the value of the API key's own env key in each
    service, so the secret never passes through the play.
  - Fails, naming what to fix, on an unknown setting, a name that is not a valid env name, two
    settings under one name, a name that is the API key's own env key (but for the password), a port
    outside 1-65535, an empty or URL-like host, STARTTLS on port 465 (SendGrid's implicit-TLS port),
    or a key whose O(scopes) lack C(mail.send).
  - A password name equal to the API key's own env key needs no copy (the app reads the key there).
positional: host, port, starttls, api_key_env, scopes
options:
  _input:
    description: The env name for each setting, keyed by setting (C(address), C(port), C(username), C(password), C(starttls)).
    type: dict
    required: true
  host:
    description: The relay's host name (C(smtp.sendgrid.net)).
    type: str
    required: true
  port:
    description: The relay's port (C(587); SendGrid also serves STARTTLS on 25 and 2525, and implicit TLS on 465).
    type: int
    required: true
  starttls:
    description: Whether the app must use STARTTLS (written as C(true) or C(false)).
    type: bool
    required: true
  api_key_env:
    description: The env key that holds the API key in each service (the password's value).
    type: str
    required: true
  scopes:
    description: The scopes of the API key (it must hold C(mail.send) to log in to the relay).
    type: list
    elements: str
    default: [mail.send]
"""

EXAMPLES = r"""
- name: Check the SMTP settings and work out the keys
  ansible.builtin.set_fact:
    email_smtp: >-
      {{ email_smtp_env | launchkit.paas.smtp_env(email_smtp_host, email_smtp_port, email_smtp_starttls,
                                                  email_env_key, email_api_key_scopes) }}
"""

RETURN = r"""
_value:
  description: The C(env) and C(copy) options of M(launchkit.paas.app_env); C(env) maps names to values (strings), C(copy) the password name to O(api_key_env).
  type: dict
"""

import re
from typing import Any

try:
    from ansible.errors import AnsibleFilterError
except ImportError:  # unit tests without Ansible's error classes
    AnsibleFilterError = ValueError  # type: ignore[assignment,misc]

SETTINGS = ("address", "port", "username", "password", "starttls")
#: SendGrid's SMTP user name: the literal word, not the key
SMTP_USERNAME = "apikey"
IMPLICIT_TLS_PORT = 465
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _problems(names: Any, host: Any, port: Any, starttls: bool, api_key_env: str, scopes: list[str]) -> list[str]:
    if not isinstance(names, dict) or not names:
        return [f"email_smtp_env must map one or more of {', '.join(SETTINGS)} to the env names the app reads"]
    problems = []
    unknown = sorted(str(setting) for setting in names if setting not in SETTINGS)
    if unknown:
        problems.append(f"email_smtp_env: unknown setting {', '.join(unknown)} (known: {', '.join(SETTINGS)})")
    bad = sorted(f"{setting}: {name!r}" for setting, name in names.items()
                 if not isinstance(name, str) or not _ENV_NAME.match(name))
    if bad:
        problems.append(f"email_smtp_env: not an env name ({'; '.join(bad)}): letters, digits and _, not starting with a digit")
    seen: dict[str, list[str]] = {}
    for setting, name in names.items():
        seen.setdefault(str(name), []).append(str(setting))
    problems += [f"email_smtp_env: {' and '.join(settings)} share the name {name}" for name, settings in seen.items()
                 if len(settings) > 1]
    problems += [f"email_smtp_env: {setting} would overwrite {name}, which the phase also writes"
                 for setting, name in names.items() if name == api_key_env and setting != "password"]
    if isinstance(port, bool) or not str(port).isdigit() or not 1 <= int(port) <= 65535:
        problems.append(f"email_smtp_port must be a port number (1-65535), not {port!r}")
    elif int(port) == IMPLICIT_TLS_PORT and starttls:
        problems.append("email_smtp_port 465 is SendGrid's implicit-TLS port, where STARTTLS does not apply: "
                        "use 587 (or 25, 2525) with STARTTLS, or set email_smtp_starttls: false for 465")
    if not isinstance(host, str) or not host or "/" in host or ":" in host or " " in host:
        problems.append(f"email_smtp_host must be a host name such as smtp.sendgrid.net, not {host!r}")
    if "mail.send" not in (scopes or []):
        problems.append("email_api_key_scopes must include mail.send: SendGrid's relay refuses a key without it")
    return problems


def smtp_env(names: Any, host: Any, port: Any, starttls: bool, api_key_env: str,
             scopes: list[str] | None = None) -> dict[str, dict[str, str]]:
    """The {env, copy} that give an app SendGrid's relay settings under NAMES, or a failure naming every problem."""
    scopes = ["mail.send"] if scopes is None else scopes
    problems = _problems(names, host, port, starttls, api_key_env, scopes)
    if problems:
        raise AnsibleFilterError("; ".join(problems))
    values = {"address": host, "port": str(int(port)), "username": SMTP_USERNAME,
              "starttls": "true" if starttls else "false"}
    env = {name: values[setting] for setting, name in names.items() if setting != "password"}
    password = names.get("password")
    copy = {password: api_key_env} if password and password != api_key_env else {}
    return {"env": env, "copy": copy}


class FilterModule:
    """launchkit.paas.smtp_env"""

    def filters(self) -> dict:
        return {"smtp_env": smtp_env}
