"""The rollout report: a second run that finds the same writes nothing (its stamp stays), and what a person
must still do (a SendGrid sender to verify, the DNS records of the email domain) is listed as pending in the
report and in the email phase's summary, and counted in the final line, the result saying PASSED WITH
PENDING ACTIONS rather than a bare PASSED."""
from __future__ import annotations

import json
import re

import pytest

from conftest import assert_ok, run_site
from test_validate import validate_vars

SCOOP = ("--limit", "scoop_production")
REPORT_TASK = re.compile(r"TASK \[launchkit\.paas\.validate : Write the report \(JSON and Markdown\)\][^\n]*\n(\w+): ")
# Scoop's sender and the three CNAME records of pocket-walks.com's authentication (the sandbox never sees
# them published, nor the verification link opened).
SENDER = "Email: open the verification link SendGrid mailed to no-reply@pocket-walks.com"
DNS = re.compile(r"DNS: create CNAME \S+\.pocket-walks\.com -> \S+\.sendgrid\.net at the DNS host of pocket-walks\.com")


def read_report(folder) -> tuple[dict, str]:
    return (json.loads((folder / "rollout-report.json").read_text(encoding="utf-8")),
            (folder / "rollout-report.md").read_text(encoding="utf-8"))


@pytest.mark.long
def test_a_second_run_leaves_the_report_alone_and_pending_actions_are_counted(quick_sandbox, tmp_path):
    reports, state_dir = tmp_path / "reports", tmp_path / "state"
    extra = validate_vars(reports)
    first = run_site(*SCOOP, "-e", extra, state_dir=state_dir)
    assert_ok(first, "first run")
    assert REPORT_TASK.search(first.stdout).group(1) == "changed"
    folder = reports / "scoop_production"
    data, markdown = read_report(folder)

    actions = data["pending_actions"]
    assert len(actions) == 4 and actions[-1].startswith(SENDER) and all(DNS.match(a) for a in actions[:3]), actions
    assert data["summary"]["result"] == "passed with pending actions" and data["summary"]["pending_actions"] == 4
    assert data["phases"]["email"]["pending_actions"] == actions
    assert "Result: **PASSED WITH PENDING ACTIONS**: 20 of 20 checks passed, 0 failed, 0 pending; 4 pending actions." \
        in markdown, markdown[:400]
    email_section = markdown[markdown.index("### Transactional email"):markdown.index("### Error monitoring")]
    assert "Pending actions of this phase:\n\n- DNS: create CNAME" in email_section, email_section
    assert f"\n- {SENDER}" in email_section, email_section
    # The email phase's summary names them too, and the final line counts them.
    assert '"pending_actions": [' in first.stdout and SENDER in first.stdout
    assert re.search(r"scoop_production: PASSED WITH PENDING ACTIONS: 20 of 20 checks passed, 0 failed, 0 pending, "
                     r"4 pending actions \(above\)\.", first.stdout), first.stdout[-3000:]
    assert first.stdout.count("PENDING ACTION | ") == 4

    second = run_site(*SCOOP, "-e", extra, state_dir=state_dir)
    assert_ok(second, "second run")
    # Nothing in the report changed: the files are left alone, with the stamp of the first run.
    assert REPORT_TASK.search(second.stdout).group(1) == "ok"
    assert read_report(folder) == (data, markdown)
    assert re.search(r"_Written \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\._\n$", markdown)
