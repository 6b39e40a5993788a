# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: PromQL syntax as Prometheus itself reads it, through ``promtool check rules``.

Not a public API; it may change between any two releases.

Every expression becomes one recording rule of one group in a temporary rules file; promtool reports each
rule it rejects on a line of its own, by group, rule number (from 1) and record name, for example
``rules.yml: 7:15: group "promql_check", rule 2, "promql_check:expression_1": could not parse expression:
1:16: parse error: unclosed left parenthesis``. The record names carry the expression's index, so
nothing the user wrote has to survive promtool's quoting.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError

GROUP = "promql_check"
RULES_FILE = "rules.yml"
RUN_TIMEOUT = 120
INSTALL_HINT = "install the Debian/Ubuntu package prometheus (apt-get install prometheus) or set promtool to its path"
RULE_ERROR = re.compile(r'^\S+: (?:\d+:\d+: )?group "(?P<group>[^"]*)", rule (?P<number>\d+), "(?P<record>[^"]*)": '
                        r"(?P<message>.*)$")
VERSION = re.compile(r"promtool, version (\S+)")


def record_name(index: int) -> str:
    return f"{GROUP}:expression_{index}"


def find_promtool(chosen: str | None) -> str:
    """The promtool to run: `chosen` (a path or a name on PATH), else ``promtool`` on PATH."""
    found = shutil.which(chosen or "promtool")
    if found is None:
        what = f"promtool {chosen!r} not found" if chosen else "promtool not found on PATH"
        raise ResourceError(f"{what}: {INSTALL_HINT}")
    return found


def run(promtool: str, *args: str, cwd: str | None = None) -> subprocess.CompletedProcess:
    try:
        return subprocess.run([promtool, *args], cwd=cwd, capture_output=True, text=True, timeout=RUN_TIMEOUT,
                              check=False)
    except OSError as exc:
        raise ResourceError(f"cannot run {promtool}: {exc.strerror or exc}: {INSTALL_HINT}") from None
    except subprocess.TimeoutExpired:
        raise ResourceError(f"{promtool} {' '.join(args[:2])} gave no answer within {RUN_TIMEOUT} s") from None


def promtool_version(promtool: str) -> str:
    """The version promtool reports (``2.42.0+ds``), or its first line when it reads otherwise."""
    completed = run(promtool, "--version")
    output = (completed.stdout or completed.stderr).strip()
    found = VERSION.search(output)
    return found.group(1) if found else (output.splitlines() or ["unknown"])[0]


def rules_document(expressions: list[str]) -> str:
    """The rules file: one group, one recording rule an expression (JSON is YAML, and quotes any text safely)."""
    rules = [{"record": record_name(index), "expr": expr} for index, expr in enumerate(expressions)]
    return json.dumps({"groups": [{"name": GROUP, "rules": rules}]}, indent=1)


def syntax_errors(promtool: str, expressions: list[str]) -> dict[int, str]:
    """{index of the expression: promtool's message} for every expression promtool rejects."""
    if not expressions:
        return {}
    with tempfile.TemporaryDirectory(prefix="promql_check_") as folder:
        with open(os.path.join(folder, RULES_FILE), "w", encoding="utf-8") as rules:
            rules.write(rules_document(expressions))
        completed = run(promtool, "check", "rules", RULES_FILE, cwd=folder)
    errors = rule_errors(f"{completed.stdout}\n{completed.stderr}", len(expressions))
    if completed.returncode != 0 and not errors:
        output = " ".join(f"{completed.stdout} {completed.stderr}".split())
        raise ResourceError(f"promtool check rules failed (exit code {completed.returncode}): {output[:2000]}")
    return errors


def rule_errors(output: str, count: int) -> dict[int, str]:
    """promtool's rejections mapped to the expressions' indexes; a line that continues a message joins it."""
    errors: dict[int, str] = {}
    last: int | None = None
    for line in output.splitlines():
        found = RULE_ERROR.match(line.strip())
        if found and found.group("group") == GROUP:
            index = _expression_index(found, count)
            if index is not None:
                errors[index] = found.group("message").removeprefix("could not parse expression: ")
                last = index
                continue
        if last is not None and line.strip():
            errors[last] += " " + line.strip()
    return errors


def _expression_index(found: re.Match, count: int) -> int | None:
    """The index the record name carries; else the rule's number (promtool counts from 1)."""
    record = found.group("record")
    if record.startswith(f"{GROUP}:expression_") and record.rsplit("_", 1)[1].isdigit():
        index = int(record.rsplit("_", 1)[1])
    else:
        index = int(found.group("number")) - 1
    return index if 0 <= index < count else None
