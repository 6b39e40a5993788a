# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the config of the agent that scrapes an app and remote-writes to Grafana Cloud.

Not a public API; it may change between any two releases.

The monitoring phase writes it on the controller, for the user to deploy beside the app: Grafana Alloy's
``config.alloy`` and, when asked, Grafana Agent's (static mode) ``grafana-agent.yaml``, both rendered here
from the same few settings. The remote-write credentials are environment variables of the agent, never
values in the files, so the text is no secret and is shown whole in a diff.
"""
from __future__ import annotations

import os
import re
import stat

from ansible_collections.launchkit.paas.plugins.module_utils.core.files import read_text, write_text
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets

HEADER = "Managed by launchkit.paas (monitoring phase): edits here are overwritten."
#: format -> the file it is written to
FILES = {"alloy": "config.alloy", "agent": "grafana-agent.yaml"}
DIR_MODE = 0o755
FILE_MODE = 0o644

ARGUMENT_SPEC = dict(
    path=dict(type="path", required=True),
    app=dict(type="str"),
    formats=dict(type="list", elements="str", choices=list(FILES), default=["alloy"]),
    target=dict(type="str", default="localhost:3000"),
    metrics_path=dict(type="str", default="/metrics"),
    scrape_interval=dict(type="str", default="15s"),
    datasource_uid=dict(type="str", default="grafanacloud-prom"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
)
CHECKS = {"required_if": [("state", "present", ["app"])]}

# Prometheus's duration (common/model ParseDuration): each unit at most once, largest first.
_DURATION = re.compile(r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$")
_SECONDS = (365 * 86400, 7 * 86400, 86400, 3600, 60, 1, 0.001)
# Alloy reads a duration as Go does (time.ParseDuration: h, m, s, ms, no days), and refuses a scrape_interval
# shorter than its scrape_timeout, 10s unless set (the config does not set it).
_ALLOY_TIMEOUT = 10
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# What a YAML plain scalar may not start with, or hold.
_YAML_FIRST = set("-?:,[]{}#&*!|>'\"%@`")
_YAML_INSIDE = (": ", " #")


# ---------------------------------------------------------------------------------------------- checks
def interval_seconds(value: str, formats: list[str]) -> float:
    """The seconds of `value`, a scrape interval both `formats` accept; ValueError saying what to write."""
    found = _DURATION.match(value or "")
    if not value or found is None:
        raise ValueError(f"scrape_interval '{value}' is no Prometheus duration: write a number and a unit, such as "
                         "15s, 1m or 1m30s (units y, w, d, h, m, s, ms, largest first)")
    seconds = sum(int(count) * unit for count, unit in zip(found.groups(), _SECONDS) if count)
    if seconds <= 0:
        raise ValueError(f"scrape_interval '{value}' is no interval: give more than 0, such as 15s")
    if "alloy" in formats:
        if any(found.group(index) for index in (1, 2, 3)):
            raise ValueError(f"scrape_interval '{value}': Grafana Alloy reads durations in h, m, s and ms only: "
                             "write days as hours (24h for 1d)")
        if seconds < _ALLOY_TIMEOUT:
            raise ValueError(f"scrape_interval '{value}' is shorter than Grafana Alloy's scrape timeout (10s), which "
                             "Alloy refuses: scrape every 10s or less often")
    return seconds


def _text_problem(option: str, value: str, quoted: bool, plain_yaml: bool) -> str | None:
    """Why `value` cannot be written as it is into the configs, or None: a comment line takes no control
    character, an Alloy string (`quoted`) no quote or backslash either, and a plain YAML value (`plain_yaml`)
    nothing YAML would read otherwise."""
    if _CONTROL.search(value):
        return f"{option} '{value}' holds a control character (a line break, a tab), which the configs cannot hold"
    if quoted and ('"' in value or "\\" in value):
        return f"{option} '{value}' holds a double quote or a backslash, which would end Grafana Alloy's string"
    if plain_yaml and (value[:1] in _YAML_FIRST or value != value.strip() or value.endswith(":")
                       or any(part in value for part in _YAML_INSIDE)):
        return (f"{option} '{value}' cannot stand as it is in grafana-agent.yaml (YAML would read it otherwise): "
                "leave out ': ', ' #', a trailing ':' and a leading punctuation mark or space")
    return None


def check_params(params: dict) -> None:
    """What the module refuses before it reads or writes anything (ValueError naming each problem)."""
    if params["state"] != "present":
        return
    formats = _formats(params)
    problems = []
    try:
        interval_seconds(params["scrape_interval"], formats)
    except ValueError as exc:
        problems.append(str(exc))
    if not (params.get("app") or "").strip():
        problems.append("app is empty: name the app whose metrics the agent scrapes (its job is named after it)")
    if not (params.get("target") or "").strip() or re.search(r"\s|'", params.get("target") or ""):
        problems.append(f"target '{params.get('target')}' is no host:port (such as localhost:3000) the agent scrapes")
    if not (params.get("metrics_path") or "").startswith("/"):
        problems.append(f"metrics_path '{params.get('metrics_path')}' must start with /, such as /metrics")
    for option, quoted, plain_yaml in (("app", True, True), ("target", True, False), ("metrics_path", True, True),
                                       ("datasource_uid", False, False)):
        value = params.get(option)
        problem = _text_problem(option, value, quoted and "alloy" in formats,
                                plain_yaml and "agent" in formats) if value else None
        if problem and not any(found.startswith(f"{option} ") for found in problems):
            problems.append(problem)
    if problems:
        raise ValueError("; ".join(problems) + "; nothing was written")


# ---------------------------------------------------------------------------------------------- texts
def alloy_label(app: str) -> str:
    """The Alloy component label of `app`: every character outside [A-Za-z0-9_] becomes '_'."""
    return re.sub(r"[^A-Za-z0-9_]", "_", app)


def alloy_config(params: dict) -> str:
    """config.alloy: the app's scrape, forwarded to Grafana Cloud's Prometheus."""
    app = params["app"]
    return f"""// {HEADER}
// Grafana Alloy beside {app}: scrapes its metrics and remote-writes them to Grafana Cloud's
// Prometheus, which the dashboards and alert rules of the monitoring phase query
// (datasource {params["datasource_uid"]}). The credentials come from Alloy's environment, never
// from this file:
//   GRAFANA_REMOTE_WRITE_URL    e.g. https://prometheus-prod-01-eu-west-0.grafana.net/api/prom/push
//   GRAFANA_REMOTE_WRITE_USER   the Prometheus instance id
//   GRAFANA_REMOTE_WRITE_TOKEN  a Grafana Cloud access policy token with metrics:write
prometheus.scrape "{alloy_label(app)}" {{
  targets         = [{{"__address__" = "{params["target"]}", "job" = "{app}"}}]
  metrics_path    = "{params["metrics_path"]}"
  scrape_interval = "{params["scrape_interval"]}"
  forward_to      = [prometheus.remote_write.grafana_cloud.receiver]
}}

prometheus.remote_write "grafana_cloud" {{
  endpoint {{
    url = sys.env("GRAFANA_REMOTE_WRITE_URL")

    basic_auth {{
      username = sys.env("GRAFANA_REMOTE_WRITE_USER")
      password = sys.env("GRAFANA_REMOTE_WRITE_TOKEN")
    }}
  }}
}}
"""


def agent_config(params: dict) -> str:
    """grafana-agent.yaml: the same scrape for Grafana Agent in static mode (run with -config.expand-env)."""
    app = params["app"]
    return f"""# {HEADER}
# Grafana Agent (static mode) beside {app}, as the SyncKairos plan writes it: scrapes the
# app's metrics and remote-writes them to Grafana Cloud's Prometheus (datasource
# {params["datasource_uid"]}). Run the agent with -config.expand-env; the credentials come from its
# environment, never from this file: GRAFANA_REMOTE_WRITE_URL, GRAFANA_REMOTE_WRITE_USER (the
# Prometheus instance id), GRAFANA_REMOTE_WRITE_TOKEN. Grafana Agent reached its end of life on
# 2025-11-01: config.alloy beside this file does the same with Grafana Alloy.
metrics:
  global:
    scrape_interval: {params["scrape_interval"]}
    remote_write:
      - url: ${{GRAFANA_REMOTE_WRITE_URL}}
        basic_auth:
          username: ${{GRAFANA_REMOTE_WRITE_USER}}
          password: ${{GRAFANA_REMOTE_WRITE_TOKEN}}
  configs:
    - name: {app}
      scrape_configs:
        - job_name: {app}
          metrics_path: {params["metrics_path"]}
          static_configs:
            - targets: ['{params["target"]}']
"""


RENDER = {"alloy": alloy_config, "agent": agent_config}


# ---------------------------------------------------------------------------------------------- files
def _formats(params: dict) -> list[str]:
    return list(dict.fromkeys(params.get("formats") or []))  # each once, in the order given


def _mode(path: str) -> int | None:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return None


def _current(path: str) -> str | None:
    if os.path.isdir(path):
        raise ValueError(f"{path} is a directory, where the agent config belongs: move it away; nothing was written")
    return read_text(path)


def _directory(path: str) -> bool:
    """Whether directory `path` exists (a file there fails with what to do)."""
    if os.path.isdir(path):
        return True
    if os.path.lexists(path):
        raise ValueError(f"path {path} is a file, not a directory: choose another path or move the file; "
                         "nothing was written")
    return False


def _present(params: dict, formats: list[str], check_mode: bool) -> tuple[list[dict], list[dict]]:
    directory = params["path"]
    exists = _directory(directory)
    diffs: list[dict] = []
    dir_mode = _mode(directory) if exists else None
    if dir_mode != DIR_MODE:
        diffs.append({"before": {"path": directory, "state": "directory", "mode": f"{dir_mode:04o}"} if exists
                      else {"path": directory, "state": "absent"},
                      "after": {"path": directory, "state": "directory", "mode": f"{DIR_MODE:04o}"},
                      "before_header": directory, "after_header": directory})
        if not check_mode:
            os.makedirs(directory, mode=DIR_MODE, exist_ok=True)
            os.chmod(directory, DIR_MODE)
    files = []
    for name in formats:
        path = os.path.join(directory, FILES[name])
        text = RENDER[name](params)
        before = _current(path) if exists else None
        mode = _mode(path) if before is not None else None
        changed = before != text or mode != FILE_MODE
        if changed:
            diffs.append({"before": before or "", "after": text, "before_header": path, "after_header": path})
        if changed and not check_mode:
            if before == text:
                os.chmod(path, FILE_MODE)  # the content is right: only its mode is not
            else:
                write_text(path, text, mode=FILE_MODE)
        files.append({"format": name, "path": path, "changed": changed})
    return files, diffs


def _absent(params: dict, formats: list[str], check_mode: bool) -> tuple[list[dict], list[dict]]:
    directory = params["path"]
    if not _directory(directory):
        return [{"format": name, "path": os.path.join(directory, FILES[name]), "changed": False}
                for name in formats], []
    files, diffs, removed = [], [], set()
    for name in formats:
        path = os.path.join(directory, FILES[name])
        before = _current(path)
        changed = os.path.lexists(path)
        if changed:
            removed.add(FILES[name])
            diffs.append({"before": before or "", "after": "", "before_header": path, "after_header": path})
            if not check_mode:
                os.unlink(path)
        files.append({"format": name, "path": path, "changed": changed})
    # The directory goes only when nothing else is in it (what this run removed aside).
    if removed and not set(os.listdir(directory)) - removed:
        diffs.append({"before": {"path": directory, "state": "directory"}, "after": {"path": directory, "state": "absent"},
                      "before_header": directory, "after_header": directory})
        if not check_mode:
            os.rmdir(directory)
    return files, diffs


# ---------------------------------------------------------------------------------------------- logic
def run_agent_config(params: dict, check_mode: bool, secrets: Secrets) -> dict:
    """Write (state=present) or remove (absent) the agent configs of `formats` in directory `path`.

    A file whose text and mode are already right is left alone; check mode writes nothing and says
    what a real run would change. The diff is each changed file's text before and after. The options
    were checked before (check_params, the module's precheck, which core/module.py runs first).
    """
    del secrets  # the configs name environment variables, never a credential
    formats = _formats(params)
    if params["state"] == "absent":
        files, diffs = _absent(params, formats, check_mode)
    elif formats:
        files, diffs = _present(params, formats, check_mode)
    else:
        files, diffs = [], []
    return {"changed": bool(diffs), "path": params["path"], "files": files, "diff": diffs}
