"""The AWX kit for real: each credential type of playbooks/vars/awx.yml is rendered the way AWX renders it
(its injectors' env and extra_vars values as Jinja templates over the credential's inputs, in Jinja's
sandbox, `tower.filename` for file injectors), and a phase of the rollout and its validation run through
ansible-runner (what AWX runs jobs with) with exactly that environment: the vendor tokens reach the modules
only through the injected env, never from the test's own. Then no secret (a credential's secret input, or
one the sandbox handed out: Redis passwords and URLs, secret env values) is in the job events, the stdout or
the artifacts, and the job's artifacts (set_stats) hold each host's summary, report location and the phases
the run changed. Then the workflow's failure node (playbooks/awx_rollback_changed.yml), handed those
artifacts as AWX hands them on, with a failed validation, rolls the phase back; and the validate node,
run again on the rolled-back stack, fails yet publishes its failed checks (and nothing that would replace
the rollout's artifact).

Run (with the sandbox up and .sandbox/env loaded, or under xdist):
      .venv/bin/python -m pytest -q -p no:cacheprovider -n 1 tests/system/test_awx_kit.py
"""
from __future__ import annotations

import json
import os
import secrets
import tempfile
import time
from pathlib import Path

import ansible_runner
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

from conftest import ROOT, env_of, render_api, state
from test_leaks import assert_no_leak
from test_validate import all_secrets, validate_vars

HOST = "scoop_production"
KIT_VARS = ROOT / "playbooks" / "vars" / "awx.yml"


class _KitLoader(yaml.SafeLoader):
    """The kit's vars as Ansible reads them: `!unsafe` only keeps Ansible from templating a string."""


_KitLoader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))


def credential_types() -> dict[str, dict]:
    kit = yaml.load(KIT_VARS.read_text(encoding="utf-8"), Loader=_KitLoader)  # noqa: S506 (a SafeLoader)
    return {ctype["name"]: ctype for ctype in kit["launchkit_awx_credential_types"]}


class _Tower:
    """AWX's `tower` namespace in an injector template: `tower.filename` (or .filename.<name>) of file injectors."""

    def __init__(self, filenames: dict[str, str]) -> None:
        single = filenames.get("template")
        self.filename = single if single is not None else type("Files", (), filenames)()


def inject(ctype: dict, inputs: dict, private_data_dir: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(env, extra_vars) of one credential, as AWX's CredentialType.inject_credential makes them: each value
    rendered in Jinja's immutable sandbox over the inputs (an input not given renders as an empty string,
    a boolean one as its default), file injectors written first and named by tower.filename."""
    sandbox = ImmutableSandboxedEnvironment()
    namespace = dict(inputs)
    for field in ctype["inputs"]["fields"]:
        if field.get("type") == "boolean" and field["id"] not in namespace:
            namespace[field["id"]] = field.get("default", False)
    filenames = {}
    for key, template in ctype["injectors"].get("file", {}).items():
        handle, path = tempfile.mkstemp(dir=private_data_dir / "env")
        with os.fdopen(handle, "w", encoding="utf-8") as written:
            written.write(sandbox.from_string(template).render(**namespace))
        os.chmod(path, 0o600)
        filenames["template" if key == "template" else key.split(".", 1)[1]] = path
    namespace["tower"] = _Tower(filenames)
    env = {name: sandbox.from_string(template).render(**namespace)
           for name, template in ctype["injectors"].get("env", {}).items()}
    extra_vars = {name: sandbox.from_string(str(template)).render(**namespace)
                  for name, template in ctype["injectors"].get("extra_vars", {}).items()}
    return env, extra_vars


def credential_inputs() -> dict[str, dict]:
    """One credential per type, with the sandbox's values for each vendor, as an admin would enter them."""
    environ = os.environ
    owner = render_api("GET", "/owners")[0]["owner"]["id"]
    sandbox = environ["LAUNCHKIT_SANDBOX_URL"].rstrip("/")
    return {
        "launchkit.paas Render": {"api_key": environ["RENDER_API_KEY"], "api_url": environ["RENDER_API_URL"],
                                  "owner": owner},
        "launchkit.paas Fly.io": {"api_token": environ["FLY_API_TOKEN"], "api_url": environ["FLY_API_URL"],
                                  "org": environ["FLY_ORG"]},
        "launchkit.paas Upstash": {"email": environ["UPSTASH_EMAIL"], "api_key": environ["UPSTASH_API_KEY"],
                                   "api_url": environ["UPSTASH_API_URL"]},
        "launchkit.paas SendGrid": {"api_key": environ["SENDGRID_API_KEY"], "api_url": environ["SENDGRID_API_URL"]},
        "launchkit.paas Sentry": {"auth_token": environ["SENTRY_AUTH_TOKEN"], "org": environ["SENTRY_ORG"],
                                  "api_url": environ["SENTRY_API_URL"]},
        "launchkit.paas Grafana": {"url": environ["GRAFANA_URL"], "token": environ["GRAFANA_TOKEN"]},
        "launchkit.paas Vercel": {"token": environ["VERCEL_TOKEN"], "team_id": environ["VERCEL_TEAM_ID"],
                                  "api_url": environ["VERCEL_API_URL"]},
        "launchkit.paas Slack webhook": {
            "webhook_url": f"{sandbox}/slack/services/T0SANDBOX1/B0SCOOPALRT/scoopAlertsSandbox000001",
            "channel": "#scoop-alerts"},
        "launchkit.paas rollback state": {"dsn": environ["SANDBOX_PG_URL"], "key": secrets.token_urlsafe(32)},
    }


def secret_inputs(types: dict[str, dict], inputs: dict[str, dict]) -> set[str]:
    return {inputs[name][field["id"]] for name, ctype in types.items() for field in ctype["inputs"]["fields"]
            if field.get("secret") and inputs[name].get(field["id"])}


def job_env(injected: dict[str, str], state_dir: Path) -> dict[str, str]:
    """What the job's process gets besides os.environ: the credentials' env, and what the project brings
    (its ansible.cfg and collections); the sandbox's CA, which the rehearsal inventory reads, as in conftest."""
    return {**injected,
            "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
            "ANSIBLE_COLLECTIONS_PATH": str(ROOT / "playbooks" / "collections"),
            "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0",
            "LAUNCHKIT_STATE_DIR": str(state_dir),
            "LAUNCHKIT_SANDBOX_CA": os.environ.get("LAUNCHKIT_SANDBOX_CA") or state().get("tls_ca") or ""}


def artifact_files(private_data_dir: Path) -> dict[str, str]:
    """Every file the run left in its private data dir, but env/ (the inputs the job was given), by path."""
    return {str(path.relative_to(private_data_dir)): path.read_text(encoding="utf-8", errors="replace")
            for path in sorted(private_data_dir.rglob("*"))
            if path.is_file() and path.relative_to(private_data_dir).parts[0] != "env"}


def run_job(monkeypatch, injected: dict[str, str], **job):
    """ansible_runner.run of one job on HOST, from the repository as the project, with the rehearsal inventory:
    the vendor connection comes from the injected env alone, none of it inherited from the test's own."""
    with monkeypatch.context() as patched:
        for name in set(injected) | {"GRAFANA_USER", "GRAFANA_PASSWORD"}:
            patched.delenv(name, raising=False)
        return ansible_runner.run(project_dir=str(ROOT), inventory=str(ROOT / "inventories" / "sandbox"),
                                  limit=HOST, quiet=True, **job)


def test_awx_credentials_run_a_phase_through_ansible_runner_and_the_workflow_rollback_undoes_it(
        quick_sandbox, tmp_path, monkeypatch):  # noqa: ARG001  pylint: disable=unused-argument
    types = credential_types()
    inputs = credential_inputs()
    private_data_dir = tmp_path / "job"
    (private_data_dir / "env").mkdir(parents=True)
    env, extra_vars = {}, {}
    for name, ctype in types.items():
        injected_env, injected_vars = inject(ctype, inputs[name], private_data_dir)
        assert not set(injected_env) & set(env) and not set(injected_vars) & set(extra_vars), name
        env.update(injected_env)
        extra_vars.update(injected_vars)
    assert env["RENDER_API_KEY"] == os.environ["RENDER_API_KEY"] and env["LAUNCHKIT_STATE_KEY"]
    assert extra_vars["launchkit_state_backend"] == "postgresql"
    report_root = tmp_path / "reports"
    # The phases this job leaves out are off for the validation too (as in test_validate.py).
    extra_vars.update(json.loads(validate_vars(report_root, database_enabled=False, database_services=[],
                                               monitoring_enabled=False)))
    envvars = job_env(env, tmp_path / "state")
    redis_url_before = env_of(state(), "scoop-web").get("REDIS_URL")

    started = time.monotonic()
    runner = run_job(monkeypatch, env, private_data_dir=str(private_data_dir), playbook="playbooks/site.yml",
                     envvars=envvars, extravars=extra_vars, tags="redis,validate", ident="redis-validate")
    seconds = time.monotonic() - started
    events = list(runner.events)
    stdout = runner.stdout.read()
    assert runner.rc == 0 and runner.status == "successful", stdout[-6000:]

    # No secret in the job events, the stdout or the artifacts.
    found = all_secrets(state()) | secret_inputs(types, inputs)
    assert len(found) >= 15 and inputs["launchkit.paas rollback state"]["key"] in found
    assert env["RENDER_API_KEY"] in found and state()["vendors"]["render"]["key_values"][0]["password"] in found
    assert len(events) > 50 and any(e["event"] == "runner_on_ok" for e in events)
    assert_no_leak("\n".join(json.dumps(event) for event in events), found, "the job events")
    assert_no_leak(stdout, found, "the job's stdout")
    artifacts = artifact_files(private_data_dir)
    assert any(name.startswith("artifacts/redis-validate/job_events/") for name in artifacts), sorted(artifacts)[:20]
    assert sum(len(text) for text in artifacts.values()) > 10_000
    # ansible-runner records the job's command line and environment in artifacts/<ident>/command (mode 0600):
    # the environment is the job's input (the injected credentials), as env/ is; its command line is checked.
    command = json.loads(artifacts.pop("artifacts/redis-validate/command"))
    assert {name: command["env"].get(name) for name in env} == env
    assert_no_leak(json.dumps([command["command"], command["cwd"]]), found, "the job's command line")
    for name, text in artifacts.items():
        assert_no_leak(text, found, name)

    # set_stats: each host's summary and report location, and the phases the run changed, as job artifacts.
    stats = next(e for e in events if e["event"] == "playbook_on_stats")["event_data"]
    published = stats["artifact_data"]
    report = published["launchkit_reports"][HOST]
    assert report["summary"]["result"] == "passed" and report["summary"]["failed"] == 0, report
    assert report["failed_checks"] == [] and report["phases_changed"] == ["redis"]
    assert report["report"] == f"{report_root}/{HOST}/rollout-report.md" and Path(report["report"]).is_file()
    assert published["launchkit_phases_changed_by_host"] == {HOST: ["redis"]}
    assert set(stats["ok"]) == {HOST} and not stats.get("failures")
    print(f"\nansible-runner: {len(events)} job events, {seconds:.1f} s, {len(found)} secrets checked, 0 found")

    # The workflow's failure node (playbooks/awx_rollback_changed.yml) gets these artifacts as extra vars, as
    # AWX hands them on; a failed validation is told by its report. It rolls back the redis phase, then fails.
    assert env_of(state(), "scoop-web").get("REDIS_URL") != redis_url_before
    failed_report = {**report, "failed_checks": ["scoop-web /health: redis: down"]}
    handed_on = {**published, "launchkit_reports": {HOST: failed_report}}
    rollback = run_job(monkeypatch, env, private_data_dir=str(private_data_dir),
                       playbook="playbooks/awx_rollback_changed.yml", envvars=envvars,
                       extravars={**extra_vars, **handed_on}, ident="rollback")
    rollback_events = list(rollback.events)
    rollback_stdout = rollback.stdout.read()
    assert rollback.rc != 0 and rollback.status == "failed", rollback_stdout[-6000:]
    assert "Rolled back, last first: redis" in rollback_stdout and "redis: down" in rollback_stdout
    assert env_of(state(), "scoop-web").get("REDIS_URL") == redis_url_before
    assert_no_leak("\n".join(json.dumps(event) for event in rollback_events) + rollback_stdout, found,
                   "the rollback job's events and stdout")
    print(f"workflow rollback node: {len(rollback_events)} job events, REDIS_URL restored")

    # The validate node for real, now that the app has lost its Redis: it fails, yet publishes the host's failed
    # checks first, and publishes no launchkit_phases_changed_by_host that would replace the rollout's in AWX.
    validation = run_job(monkeypatch, env, private_data_dir=str(private_data_dir), playbook="playbooks/site.yml",
                         envvars=envvars, extravars=extra_vars, tags="validate", ident="validate")
    validation_events = list(validation.events)
    assert validation.rc != 0 and validation.status == "failed"
    published = next(e for e in validation_events if e["event"] == "playbook_on_stats")["event_data"]["artifact_data"]
    assert set(published) == {"launchkit_reports"}
    validated = published["launchkit_reports"][HOST]
    assert validated["summary"]["result"] == "failed" and validated["failed_checks"] and not validated["phases_changed"]
    assert_no_leak("\n".join(json.dumps(event) for event in validation_events), found, "the validation job's events")
    print(f"validate node: {len(validation_events)} job events, failed, its failed checks published")
