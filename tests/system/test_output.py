"""What a run says while it works and when it fails: a line per state a deploy reaches in a long wait (its id
and its Render Dashboard page) at -v, none by default; a failure in a phase whose tasks handle secrets shows
the module's own (masked) message, not Ansible's "censored" placeholder, and no secret."""
from __future__ import annotations

import re

from conftest import assert_ok, control, render_api, run_site, services_by_name, state

SCOOP = ("--limit", "scoop_production")


def test_a_deploy_wait_says_each_state_with_the_deploy_id_and_dashboard_page(quick_sandbox, tmp_path):
    result = run_site("--tags", "redis", *SCOOP, "-v", state_dir=tmp_path / "state")
    assert_ok(result, "the redis phase at -v")
    snapshot = state()
    web = services_by_name(snapshot)["scoop-web"]
    deploy = [d for d in snapshot["vendors"]["render"]["deploys"] if d["serviceId"] == web["id"]][-1]
    page = f"https://dashboard.render.com/web/{web['id']}/deploys/{deploy['id']}"
    lines = re.findall(rf"^<scoop_production> scoop-web: deploy {deploy['id']} (\w+) \((\S+)\)$", result.stdout,
                       re.MULTILINE)
    assert lines and lines[-1] == ("live", page), result.stdout[-4000:]
    # One line per state, never the same state twice in a row.
    assert all(a[0] != b[0] for a, b in zip(lines, lines[1:])), lines

    # Without -v the same wait says nothing (someone removed the key: the next run puts it back and deploys).
    render_api("DELETE", f"/services/{web['id']}/env-vars/REDIS_URL")
    quiet = run_site("--tags", "redis", *SCOOP, state_dir=tmp_path / "state")
    assert_ok(quiet, "the redis phase again")
    assert len([d for d in state()["vendors"]["render"]["deploys"] if d["serviceId"] == web["id"]]) > 1
    assert "scoop-web: deploy dep-" not in quiet.stdout


WRONG_TOKEN = "rnd_wrong0token0that0must0stay0hidden"


def _fatal(text: str) -> tuple[str, str]:
    """The failed task's name and its fatal line."""
    fatal = text[text.index("fatal: [scoop_production]"):]
    task = text[:text.index("fatal: [scoop_production]")].rsplit("TASK [", 1)[1].split("]", 1)[0]
    return task, fatal[:fatal.find("\n\n")]


def test_a_wrong_token_fails_the_run_at_its_preflight_with_the_vendor_message_and_no_secret(quick_sandbox, tmp_path):
    result = run_site("--tags", "redis", *SCOOP, "-vvv", state_dir=tmp_path / "state",
                      extra_env={"RENDER_API_KEY": WRONG_TOKEN})
    assert result.returncode != 0
    text = result.stdout + result.stderr
    task, fatal = _fatal(text)
    # The first call of the run (the preflight's service list) is refused: nothing after it is tried.
    assert task.startswith("Check every phase before the first write"), task
    assert "censored" not in fatal and "no_log" not in fatal, fatal
    assert re.search(r'"msg": "[^"]*(401|[Uu]nauthori[sz]ed)', fatal), fatal
    assert WRONG_TOKEN not in text


def test_a_refused_create_in_a_task_that_handles_secrets_shows_the_vendor_message(quick_sandbox, tmp_path):
    # Every create of a Key Value is answered 503: the task that returns the Redis URL fails with the
    # vendor's message (its result hides itself from the output, not its error).
    control("POST", "/faults", {"rate": 1.0, "kinds": ["503"], "vendor": "render", "methods": ["POST"],
                                "path_contains": "/key-value"})
    try:
        result = run_site("--tags", "redis", *SCOOP, "-vvv", state_dir=tmp_path / "state")
    finally:
        control("DELETE", "/faults")
    assert result.returncode != 0
    text = result.stdout + result.stderr
    task, fatal = _fatal(text)
    assert "The stack's Render Key Value" in task, task
    assert "censored" not in fatal and "no_log" not in fatal, fatal
    assert re.search(r'"msg": "[^"]*503', fatal), fatal
    assert state()["vendors"]["render"]["key_values"] == [], "a Key Value was created"
