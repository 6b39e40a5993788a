"""The rollout report: a second run that finds the same writes nothing (its stamp stays), and what a person
must still do (a SendGrid sender to verify, the DNS records of the email domain) is listed as pending in the
report and in the email phase's summary, and counted in the final line, the result saying PASSED WITH
PENDING ACTIONS rather than a bare PASSED."""
from __future__ import annotations

import re

import pytest

from conftest import WHOLE_ROLLOUT

HOST = "scoop_production"
REPORT_TASK = "Write the report (JSON and Markdown)"
# Scoop's sender and the three CNAME records of pocket-walks.com's authentication (the sandbox never sees
# them published, nor the verification link opened).
SENDER = "Email: open the verification link SendGrid mailed to no-reply@pocket-walks.com"
DNS = re.compile(r"DNS: create CNAME \S+\.pocket-walks\.com -> \S+\.sendgrid\.net at the DNS host of pocket-walks\.com")


def host_outcome(run: dict, task: str, host: str = HOST) -> dict:
    """The outcome of TASK on HOST in RUN (one of the whole rollout's)."""
    [outcome] = [o for o in run["outcomes"] if o["task"] == task and o["host"] == host]
    return outcome


# Scoop in the session's whole rollout (conftest.whole_rollout: a first and a second run of every stack).
@pytest.mark.xdist_group(WHOLE_ROLLOUT)
def test_a_second_run_leaves_the_report_alone_and_pending_actions_are_counted(whole_rollout):
    first, second = whole_rollout["first"], whole_rollout["second"]
    assert host_outcome(first, REPORT_TASK)["changed"]
    data, markdown = first["reports"][HOST]

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
    assert host_outcome(first, "Email summary")["msg"]["pending_actions"] == actions
    lines = host_outcome(first, "Checks and summary")["msg"]
    assert re.fullmatch(r"scoop_production: PASSED WITH PENDING ACTIONS: 20 of 20 checks passed, 0 failed, 0 pending, "
                        r"4 pending actions \(above\)\. Report: \S+/scoop_production/rollout-report\.md", lines[-1]), lines
    assert [line for line in lines if line.startswith("PENDING ACTION | ")] == [f"PENDING ACTION | {a}" for a in actions]

    # Nothing in the report changed: the files are left alone, with the stamp of the first run.
    assert not host_outcome(second, REPORT_TASK)["changed"]
    assert second["reports"][HOST] == (data, markdown)
    assert re.search(r"_Written \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\._\n$", markdown)
