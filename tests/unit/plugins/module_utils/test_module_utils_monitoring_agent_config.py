# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""monitoring.agent_config (module grafana_agent_config): the Alloy and Grafana Agent configs, written on the
controller as the monitoring role's templates wrote them; a mistake fails before any write; a second run, check
mode and state=absent change exactly what they say."""
from __future__ import annotations

import json
import os
import stat

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.launchkit.paas.plugins.module_utils.core.files import write_text
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.monitoring.agent_config import (
    alloy_label, check_params, interval_seconds, run_agent_config)
from ansible_collections.launchkit.paas.plugins.modules.grafana_agent_config import MODULE

NAME = "launchkit.paas.grafana_agent_config"

# What roles/monitoring/templates/config.alloy.j2 and grafana-agent.yaml.j2 rendered for the same settings,
# their first line (Ansible's "Ansible managed") aside.
ALLOY = """\
// Managed by launchkit.paas (monitoring phase): edits here are overwritten.
// Grafana Alloy beside scoop-web.v2: scrapes its metrics and remote-writes them to Grafana Cloud's
// Prometheus, which the dashboards and alert rules of the monitoring phase query
// (datasource grafanacloud-prom). The credentials come from Alloy's environment, never
// from this file:
//   GRAFANA_REMOTE_WRITE_URL    e.g. https://prometheus-prod-01-eu-west-0.grafana.net/api/prom/push
//   GRAFANA_REMOTE_WRITE_USER   the Prometheus instance id
//   GRAFANA_REMOTE_WRITE_TOKEN  a Grafana Cloud access policy token with metrics:write
prometheus.scrape "scoop_web_v2" {
  targets         = [{"__address__" = "localhost:3000", "job" = "scoop-web.v2"}]
  metrics_path    = "/metrics"
  scrape_interval = "15s"
  forward_to      = [prometheus.remote_write.grafana_cloud.receiver]
}

prometheus.remote_write "grafana_cloud" {
  endpoint {
    url = sys.env("GRAFANA_REMOTE_WRITE_URL")

    basic_auth {
      username = sys.env("GRAFANA_REMOTE_WRITE_USER")
      password = sys.env("GRAFANA_REMOTE_WRITE_TOKEN")
    }
  }
}
"""

AGENT = """\
# Managed by launchkit.paas (monitoring phase): edits here are overwritten.
# Grafana Agent (static mode) beside scoop-web.v2, as the SyncKairos plan writes it: scrapes the
# app's metrics and remote-writes them to Grafana Cloud's Prometheus (datasource
# grafanacloud-prom). Run the agent with -config.expand-env; the credentials come from its
# environment, never from this file: GRAFANA_REMOTE_WRITE_URL, GRAFANA_REMOTE_WRITE_USER (the
# Prometheus instance id), GRAFANA_REMOTE_WRITE_TOKEN. Grafana Agent reached its end of life on
# 2025-11-01: config.alloy beside this file does the same with Grafana Alloy.
metrics:
  global:
    scrape_interval: 15s
    remote_write:
      - url: ${GRAFANA_REMOTE_WRITE_URL}
        basic_auth:
          username: ${GRAFANA_REMOTE_WRITE_USER}
          password: ${GRAFANA_REMOTE_WRITE_TOKEN}
  configs:
    - name: scoop-web.v2
      scrape_configs:
        - job_name: scoop-web.v2
          metrics_path: /metrics
          static_configs:
            - targets: ['localhost:3000']
"""


def params(folder, **changes) -> dict:
    """The module's parameters as validated (every default filled in)."""
    base = {"path": str(folder), "app": "scoop-web.v2", "formats": ["alloy", "agent"], "target": "localhost:3000",
            "metrics_path": "/metrics", "scrape_interval": "15s", "datasource_uid": "grafanacloud-prom",
            "state": "present"}
    return {**base, **changes}


def run(folder, check_mode=False, **changes) -> dict:
    return run_agent_config(params(folder, **changes), check_mode, Secrets())


def snapshot(folder) -> dict:
    """Every file under `folder` with its text, mode, inode and change time: any write shows here."""
    found = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = os.path.join(root, name)
            info = os.stat(path)
            text = None if name in dirs else open(path, encoding="utf-8").read()
            found[path] = (text, stat.S_IMODE(info.st_mode), info.st_ino, info.st_ctime_ns)
    return found


# ------------------------------------------------------------------------------------------- rendering
def test_both_formats_are_what_the_templates_rendered_under_a_fixed_header(tmp_path):
    folder = tmp_path / "monitoring" / "scoop_production"
    result = run(folder)
    assert result["changed"] is True
    assert (folder / "config.alloy").read_text(encoding="utf-8") == ALLOY
    assert (folder / "grafana-agent.yaml").read_text(encoding="utf-8") == AGENT
    assert result["files"] == [
        {"format": "alloy", "path": str(folder / "config.alloy"), "changed": True},
        {"format": "agent", "path": str(folder / "grafana-agent.yaml"), "changed": True}]
    assert result["path"] == str(folder)


def test_the_options_reach_every_place_they_are_written(tmp_path):
    run(tmp_path, app="synckairos-api", target="10.0.0.5:9100", metrics_path="/internal/metrics",
        scrape_interval="1m30s", datasource_uid="my-prom")
    alloy = (tmp_path / "config.alloy").read_text(encoding="utf-8")
    agent = (tmp_path / "grafana-agent.yaml").read_text(encoding="utf-8")
    assert 'prometheus.scrape "synckairos_api" {' in alloy
    assert '[{"__address__" = "10.0.0.5:9100", "job" = "synckairos-api"}]' in alloy
    assert 'metrics_path    = "/internal/metrics"' in alloy and 'scrape_interval = "1m30s"' in alloy
    assert "(datasource my-prom)" in alloy and "\n# my-prom). Run the agent" in agent
    assert "    scrape_interval: 1m30s\n" in agent and "    - name: synckairos-api\n" in agent
    assert "        - job_name: synckairos-api\n          metrics_path: /internal/metrics\n" in agent
    assert "            - targets: ['10.0.0.5:9100']\n" in agent


@pytest.mark.parametrize("app, label", [("scoop-web", "scoop_web"), ("scoop_web2", "scoop_web2"),
                                        ("Scoop Web.v2", "Scoop_Web_v2"), ("café/api", "caf__api")])
def test_the_alloy_label_is_the_app_with_every_other_character_made_an_underscore(tmp_path, app, label):
    assert alloy_label(app) == label
    run(tmp_path, app=app, formats=["alloy"])
    text = (tmp_path / "config.alloy").read_text(encoding="utf-8")
    assert f'prometheus.scrape "{label}" {{' in text and f'"job" = "{app}"' in text


def test_only_the_formats_asked_for_are_written(tmp_path):
    result = run(tmp_path, formats=["agent"])
    assert [entry["format"] for entry in result["files"]] == ["agent"]
    assert sorted(os.listdir(tmp_path)) == ["grafana-agent.yaml"]
    assert run(tmp_path / "none", formats=[]) == {"changed": False, "path": str(tmp_path / "none"), "files": [],
                                                  "diff": []}
    assert not (tmp_path / "none").exists()


# ------------------------------------------------------------------------------------------ modes
def test_the_directory_is_0755_and_the_files_0644(tmp_path):
    folder = tmp_path / "a" / "b"
    run(folder)
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o755
    assert {stat.S_IMODE(os.stat(folder / name).st_mode) for name in os.listdir(folder)} == {0o644}
    assert sorted(os.listdir(folder)) == ["config.alloy", "grafana-agent.yaml"]  # no temporary file left


def test_write_text_keeps_its_private_default_and_takes_a_mode(tmp_path):
    write_text(str(tmp_path / "new" / "private"), "x\n")
    write_text(str(tmp_path / "new" / "shared"), "y\n", mode=0o644)
    assert stat.S_IMODE(os.stat(tmp_path / "new").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(tmp_path / "new" / "private").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "new" / "shared").st_mode) == 0o644


# ------------------------------------------------------------------------------------ idempotence
def test_a_second_run_writes_nothing(tmp_path):
    run(tmp_path)
    before = snapshot(tmp_path)
    again = run(tmp_path)
    assert again["changed"] is False and again["diff"] == []
    assert [entry["changed"] for entry in again["files"]] == [False, False]
    assert snapshot(tmp_path) == before


def test_a_wrong_mode_alone_is_set_without_rewriting_the_file(tmp_path):
    run(tmp_path)
    os.chmod(tmp_path / "config.alloy", 0o600)
    inode = os.stat(tmp_path / "config.alloy").st_ino
    fixed = run(tmp_path)
    assert [entry["changed"] for entry in fixed["files"]] == [True, False]
    assert stat.S_IMODE(os.stat(tmp_path / "config.alloy").st_mode) == 0o644
    assert os.stat(tmp_path / "config.alloy").st_ino == inode
    os.chmod(tmp_path, 0o700)
    assert run(tmp_path)["changed"] is True and stat.S_IMODE(os.stat(tmp_path).st_mode) == 0o755


def test_a_changed_option_rewrites_only_the_file_it_changes_and_the_diff_shows_it(tmp_path):
    run(tmp_path)
    os.chmod(tmp_path, 0o755)
    edited = (tmp_path / "grafana-agent.yaml")
    edited.write_text(AGENT.replace("15s", "1m"), encoding="utf-8")
    os.chmod(edited, 0o644)
    result = run(tmp_path)
    assert [entry["changed"] for entry in result["files"]] == [False, True]
    assert result["diff"] == [{"before": AGENT.replace("15s", "1m"), "after": AGENT,
                               "before_header": str(edited), "after_header": str(edited)}]
    assert edited.read_text(encoding="utf-8") == AGENT


# ------------------------------------------------------------------------------------- check mode
def test_check_mode_writes_nothing_and_predicts_what_the_real_run_changes(tmp_path):
    folder = tmp_path / "monitoring"
    predicted = run(folder, check_mode=True)
    assert not folder.exists()
    real = run(folder)
    assert predicted == real
    assert predicted["diff"][0] == {"before": {"path": str(folder), "state": "absent"},
                                    "after": {"path": str(folder), "state": "directory", "mode": "0755"},
                                    "before_header": str(folder), "after_header": str(folder)}
    assert [entry["after"] for entry in predicted["diff"][1:]] == [ALLOY, AGENT]
    assert run(folder, check_mode=True)["changed"] is False
    before = snapshot(folder)
    changed = run(folder, check_mode=True, target="localhost:8080")
    assert snapshot(folder) == before
    assert [entry["changed"] for entry in changed["files"]] == [True, True]
    assert changed == run(folder, target="localhost:8080")


# ----------------------------------------------------------------------------------------- errors
@pytest.mark.parametrize("interval, words", [
    ("15", "no Prometheus duration"), ("15x", "no Prometheus duration"), ("1m15m", "no Prometheus duration"),
    ("", "no Prometheus duration"), ("1.5m", "no Prometheus duration"), ("0s", "more than 0"),
    ("1d", "24h"), ("5s", "10s"), ("500ms", "10s")])
def test_a_bad_scrape_interval_fails_saying_what_to_write_and_writes_nothing(tmp_path, interval, words):
    folder = tmp_path / "monitoring"
    result = MODULE.run_in_process(NAME, {"path": str(folder), "app": "scoop-web", "scrape_interval": interval},
                                   check_mode=False, diff=False)
    assert result["failed"] is True
    assert "scrape_interval" in result["msg"] and words in result["msg"] and "nothing was written" in result["msg"]
    assert not folder.exists()


@pytest.mark.parametrize("interval, seconds", [("15s", 15), ("1m", 60), ("1h30m", 5400), ("10s", 10),
                                               ("10000ms", 10)])
def test_good_intervals_are_taken(interval, seconds):
    assert interval_seconds(interval, ["alloy", "agent"]) == seconds


def test_days_and_short_intervals_are_taken_by_grafana_agent_alone(tmp_path):
    assert interval_seconds("1d", ["agent"]) == 86400 and interval_seconds("5s", ["agent"]) == 5
    run(tmp_path, formats=["agent"], scrape_interval="5s")
    assert "    scrape_interval: 5s\n" in (tmp_path / "grafana-agent.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("change, words", [
    ({"app": ""}, "app is empty"), ({"target": "local host:3000"}, "target"), ({"target": ""}, "target"),
    ({"metrics_path": "metrics"}, "start with /"), ({"app": 'web"app'}, "double quote"),
    ({"app": "web: app"}, "grafana-agent.yaml"), ({"datasource_uid": "prom\nx"}, "control character")])
def test_values_the_files_cannot_hold_fail_before_any_write(tmp_path, change, words):
    folder = tmp_path / "monitoring"
    with pytest.raises(ValueError, match=words):
        check_params(params(folder, **change))
    result = MODULE.run_in_process(NAME, params(folder, **change), check_mode=False, diff=False)
    assert result["failed"] and words in result["msg"] and "nothing was written" in result["msg"], result
    assert not folder.exists()


def test_the_app_is_required_to_write_and_not_to_remove(tmp_path):
    missing = MODULE.run_in_process(NAME, {"path": str(tmp_path)}, check_mode=False, diff=False)
    assert missing["failed"] is True and "app" in missing["msg"]
    removed = MODULE.run_in_process(NAME, {"path": str(tmp_path / "none"), "state": "absent"},
                                    check_mode=False, diff=False)
    assert removed["changed"] is False and "failed" not in removed


def test_a_file_where_the_directory_belongs_fails_naming_it(tmp_path):
    (tmp_path / "taken").write_text("x", encoding="utf-8")
    with pytest.raises(ValueError, match="is a file, not a directory"):
        run(tmp_path / "taken")
    assert (tmp_path / "taken").read_text(encoding="utf-8") == "x"


# ------------------------------------------------------------------------------------------ absent
def test_absent_removes_exactly_the_files_of_its_formats_and_the_directory_once_empty(tmp_path):
    folder = tmp_path / "monitoring"
    run(folder)
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    predicted = run(folder, check_mode=True, state="absent", formats=["agent"])
    assert predicted["changed"] is True and (folder / "grafana-agent.yaml").exists()
    gone = run(folder, state="absent", formats=["agent"])
    assert gone == predicted
    assert gone["diff"] == [{"before": AGENT, "after": "", "before_header": str(folder / "grafana-agent.yaml"),
                             "after_header": str(folder / "grafana-agent.yaml")}]
    assert sorted(os.listdir(folder)) == ["config.alloy", "notes.txt"]
    # A directory that still holds something else stays.
    kept = run(folder, state="absent", formats=["alloy", "agent"])
    assert [entry["changed"] for entry in kept["files"]] == [True, False]
    assert sorted(os.listdir(folder)) == ["notes.txt"]
    os.unlink(folder / "notes.txt")
    run(folder, formats=["alloy"])
    last = run(folder, state="absent", formats=["alloy"])
    assert last["changed"] is True and not folder.exists()
    assert last["diff"][-1]["after"] == {"path": str(folder), "state": "absent"}
    assert run(folder, state="absent")["changed"] is False


# ------------------------------------------------------------------------------------- both ways
def test_the_module_and_the_in_process_run_return_the_same(tmp_path, capsys):
    args = {"path": str(tmp_path / "monitoring"), "app": "scoop-web", "formats": ["alloy", "agent"]}
    internal = {"_ansible_check_mode": True, "_ansible_diff": True, "_ansible_module_name": NAME}
    with patch_module_args({**args, **internal}), pytest.raises(SystemExit):
        MODULE.main()
    as_module = json.loads(capsys.readouterr().out)
    in_process = MODULE.run_in_process(NAME, args, check_mode=True, diff=True)
    assert in_process == {key: value for key, value in as_module.items() if key != "warnings"}
    assert in_process["changed"] is True and len(in_process["diff"]) == 3
    assert not (tmp_path / "monitoring").exists()
    written = MODULE.run_in_process(NAME, args, check_mode=False, diff=False)
    assert written["changed"] is True and "diff" not in written
    assert written["files"] == in_process["files"]
    assert (tmp_path / "monitoring" / "config.alloy").read_text(encoding="utf-8").startswith(
        "// Managed by launchkit.paas (monitoring phase)")
