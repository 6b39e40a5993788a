# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWX kit (playbooks/awx_configure.yml, playbooks/vars/awx.yml; docs/awx.md) against what it
configures: the credential types inject exactly the env names the modules read, the surveys ask real role
options, every awx.awx task's arguments pass the module's own argument spec, and the workflow is wired.

awx.awx is taken out of the `ansible` package on PyPI by scripts/awx-collection.sh (once, into .build/awx)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jinja2
import jinja2.meta
import pytest
import yaml

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.launchkit.paas.plugins.filter.awx_survey import DEFAULT_MARK, awx_survey, default_text

ROOT = Path(__file__).resolve().parents[2]
CONFIGURE = ROOT / "playbooks" / "awx_configure.yml"
ROLLBACK_CHANGED = ROOT / "playbooks" / "awx_rollback_changed.yml"
KIT_VARS = ROOT / "playbooks" / "vars" / "awx.yml"
BIN = Path(sys.executable).parent
# Env names the modules read that no credential carries, and why.
NOT_CREDENTIALS = {
    "LAUNCHKIT_STATE_DIR": "a path in the job's working directory, not a secret",
    "GRAFANA_USER": "basic auth, the alternative to the service account token the credential carries",
    "GRAFANA_PASSWORD": "basic auth, the alternative to the service account token the credential carries",
}
SECRETISH = re.compile(r"token|key|password|dsn|webhook", re.IGNORECASE)


class _KitLoader(yaml.SafeLoader):
    """YAML as Ansible reads the kit's vars: `!unsafe` marks a string Ansible must not template."""


_KitLoader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))


def load(path: Path):
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_KitLoader)  # noqa: S506 (a SafeLoader)


@pytest.fixture(scope="module")
def kit() -> dict:
    return load(KIT_VARS)


@pytest.fixture(scope="module")
def awx_collections() -> Path:
    done = subprocess.run(["bash", str(ROOT / "scripts" / "awx-collection.sh")], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "PYTHON": sys.executable}, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return Path(done.stdout.strip().splitlines()[-1])


# The argument spec of an awx.awx module, as its main() builds it (ControllerAPIModule stopped at its start).
SPEC_DUMPER = r"""
import importlib, json, sys
sys.path.insert(0, sys.argv[1])
from ansible_collections.awx.awx.plugins.module_utils import controller_api
class Captured(Exception):
    pass
def capture(self, argument_spec=None, **kwargs):
    raise Captured(argument_spec)
controller_api.ControllerAPIModule.__init__ = capture
specs = {}
for name in sys.argv[2:]:
    module = importlib.import_module("ansible_collections.awx.awx.plugins.modules." + name)
    try:
        module.main()
    except Captured as captured:
        spec = captured.args[0]
    for option in spec.values():
        option.pop("fallback", None)
    specs[name] = spec
print(json.dumps(specs))
"""


@pytest.fixture(scope="module")
def configure_tasks() -> list[dict]:
    return load(CONFIGURE)[0]["tasks"]


@pytest.fixture(scope="module")
def awx_specs(awx_collections, configure_tasks) -> dict:
    names = sorted({key.split(".")[-1] for task in configure_tasks for key in task if key.startswith("awx.awx.")})
    done = subprocess.run([sys.executable, "-c", SPEC_DUMPER, str(awx_collections), *names], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def module_env_names() -> set[str]:
    """Every environment variable a module option falls back to (module_utils), or a doc fragment names."""
    names: set[str] = set()
    for path in (ROOT / "plugins" / "module_utils").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        names.update(re.findall(r"env_fallback,\s*\[\"([A-Z0-9_]+)\"\]", text))
        for call in re.findall(r"base_options\(([^)]*)\)", text):
            names.update(re.findall(r"\"([A-Z][A-Z0-9_]+)\"", call))
    return names


def secret_env_names() -> set[str]:
    """The environment variables of no_log options (module_utils) and of base_options' API keys."""
    names: set[str] = set()
    for path in (ROOT / "plugins" / "module_utils").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for option in re.findall(r"\{[^{}]*\"no_log\": True[^{}]*\}", text):  # an option's dict, over lines
            names.update(re.findall(r"env_fallback,\s*\[\"([A-Z0-9_]+)\"\]", option))
        names.update(re.findall(r"base_options\(\"[A-Z0-9_]+\",\s*[^,]+,\s*\"([A-Z0-9_]+)\"\)", text))
    return names


def injected_env(kit: dict) -> dict[str, tuple[dict, str]]:
    return {env: (ctype, template) for ctype in kit["launchkit_awx_credential_types"]
            for env, template in ctype["injectors"].get("env", {}).items()}


def fields(ctype: dict) -> dict[str, dict]:
    return {field["id"]: field for field in ctype["inputs"]["fields"]}


def test_every_module_env_name_has_a_credential(kit):
    found = module_env_names()
    assert {"RENDER_API_KEY", "FLY_API_TOKEN", "UPSTASH_EMAIL", "SENTRY_ORG", "VERCEL_TEAM_ID",
            "GRAFANA_TOKEN"} <= found
    injected = set(injected_env(kit))
    assert found - injected == set(NOT_CREDENTIALS), "module env names no credential type injects"
    assert injected - found == set(), "injected env names that no module reads"


def test_secret_fields_are_marked_and_injected_into_the_no_log_options(kit):
    secret_envs = secret_env_names()
    for env, (ctype, template) in injected_env(kit).items():
        names = jinja2.meta.find_undeclared_variables(jinja2.Environment().parse(template))
        if not names:  # a constant (the rollback state's LAUNCHKIT_STATE_BACKEND: postgresql)
            assert env not in secret_envs, f"{ctype['name']}: {env} is a secret given as a constant"
            continue
        (field_id,) = names
        field = fields(ctype)[field_id]
        assert bool(field.get("secret")) == (env in secret_envs), f"{ctype['name']}: {field_id} ({env})"
    for ctype in kit["launchkit_awx_credential_types"]:
        for field in ctype["inputs"]["fields"]:
            if SECRETISH.search(field["id"]):
                assert field.get("secret") is True, f"{ctype['name']}: {field['id']} is not marked secret"


def test_injectors_name_only_inputs_and_every_injected_input_is_required(kit):
    env = jinja2.Environment()
    for ctype in kit["launchkit_awx_credential_types"]:
        ids = set(fields(ctype))
        required = set(ctype["inputs"].get("required", []))
        for section in ("env", "extra_vars"):
            for name, template in ctype["injectors"].get(section, {}).items():
                used = jinja2.meta.find_undeclared_variables(env.parse(str(template)))
                assert used <= ids, f"{ctype['name']} {name}: {used - ids}"
                # AWX renders an empty input as "": only an id the modules take as unset when empty is optional.
                assert used <= required | {"team_id"}, f"{ctype['name']} {name}: {used - required} optional"
        assert ctype["kind"] == "cloud"


def test_extra_var_injectors_are_role_options(kit):
    options = {name: option for path in (ROOT / "roles").glob("*/meta/argument_specs.yml")
               for entry in yaml.safe_load(path.read_text(encoding="utf-8"))["argument_specs"].values()
               for name, option in (entry.get("options") or {}).items()}
    by_name = {ctype["name"]: ctype for ctype in kit["launchkit_awx_credential_types"]}
    assert set(by_name["launchkit.paas Slack webhook"]["injectors"]["extra_vars"]) <= set(options)
    assert by_name["launchkit.paas rollback state"]["injectors"] == {
        "env": {"LAUNCHKIT_STATE_DSN": "{{ dsn }}", "LAUNCHKIT_STATE_KEY": "{{ key }}",
                "LAUNCHKIT_STATE_BACKEND": "postgresql"},
        "extra_vars": {"launchkit_state_backend": "postgresql"}}
    assert all(field.get("secret") for field in by_name["launchkit.paas rollback state"]["inputs"]["fields"])


def role_spec(role: str) -> dict:
    return yaml.safe_load((ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))


SURVEY_TYPES = {"bool": {"multiplechoice"}, "int": {"integer"}, "float": {"float"},
                "str": {"multiplechoice"}, "list": {"multiselect"}}


def test_every_survey_question_is_a_role_option_of_the_same_type_choices_and_default(kit):
    asked = 0
    for role in kit["launchkit_awx_phases"]:
        options = role_spec(role)["argument_specs"]["main"]["options"]
        survey = awx_survey(role_spec(role), role=role)
        assert survey["spec"], f"the {role} survey asks nothing"
        for question in survey["spec"]:
            option = options[question["variable"]]  # a real option of the role
            assert question["type"] in SURVEY_TYPES[option.get("type", "str")], question["variable"]
            expected_choices = ["true", "false"] if option.get("type") == "bool" else option.get("choices")
            assert question.get("choices") == ([str(c) for c in expected_choices] if expected_choices else None)
            assert not option.get("no_log")
            # No default of the question's own (an unanswered question passes no extra var); the role's is named.
            assert "default" not in question and question["required"] is False
            if "default" in option:
                assert question["question_description"].endswith(DEFAULT_MARK + default_text(option["default"]) + ")")
            else:
                assert DEFAULT_MARK not in question["question_description"]
            asked += 1
    assert asked >= 40


def test_surveys_leave_out_what_a_survey_cannot_ask_safely():
    survey = {q["variable"]: q for q in awx_survey(role_spec("redis"), role="redis")["spec"]}
    assert survey["redis_provider"]["choices"] == ["render", "upstash", "external"]
    assert survey["redis_enabled"]["type"] == "multiplechoice"
    assert "redis_url" not in survey  # no_log: the vault's
    assert "redis_services" not in survey  # a list without choices: the inventory's


def module_defaults(play: dict) -> dict[str, dict]:
    return {name.split(".")[-1]: values for name, values in (play.get("module_defaults") or {}).items()}


def templated(value) -> bool:
    if isinstance(value, str):
        return "{{" in value or "{%" in value
    if isinstance(value, dict):
        return any(templated(v) for v in value.values())
    if isinstance(value, list):
        return any(templated(v) for v in value)
    return False


def test_every_awx_task_passes_the_module_argument_spec(awx_specs, configure_tasks):
    play = load(CONFIGURE)[0]
    defaults = module_defaults(play)
    checked = 0
    for task in configure_tasks:
        module = next((key.split(".")[-1] for key in task if key.startswith("awx.awx.")), None)
        if module is None:
            continue
        spec = json.loads(json.dumps(awx_specs[module]))
        args = {**defaults.get(module, {}), **task[f"awx.awx.{module}"]}
        known = set(spec) | {alias for option in spec.values() for alias in option.get("aliases", [])}
        assert set(args) <= known, f"{task['name']}: unknown {set(args) - known}"
        # Templated values are known only at run time: their options are checked by name only.
        literal = {name: value for name, value in args.items() if not templated(value)}
        for name in set(args) - set(literal):
            spec[name]["required"] = False
        result = ArgumentSpecValidator(spec).validate(literal)
        assert not result.error_messages, f"{task['name']}: {result.error_messages}"
        checked += 1
    assert checked == len([t for t in configure_tasks if any(k.startswith("awx.awx.") for k in t)]) >= 14


def test_job_templates_cover_every_phase_rollback_the_rollout_and_the_plan(kit, configure_tasks):
    site_tags = set(re.findall(r"^  tags: \[([a-z_]+)\]$", (ROOT / "playbooks" / "rollout.yml").read_text(), re.M))
    assert set(kit["launchkit_awx_phases"]) == site_tags - {"always"}
    rollback_tags = set(re.findall(r"rollback_([a-z_]+)\]", (ROOT / "playbooks" / "rollback.yml").read_text()))
    assert set(kit["launchkit_awx_rollback_phases"]) == rollback_tags
    templates = [t["awx.awx.job_template"] for t in configure_tasks if "awx.awx.job_template" in t]
    by_loop = {t["name"]: t.get("loop") for t in configure_tasks if "awx.awx.job_template" in t}
    assert "{{ launchkit_awx_phases }}" in by_loop.values()
    assert "{{ launchkit_awx_rollback_phases + ['all'] }}" in by_loop.values()
    assert any(t.get("job_type") == "check" and t.get("diff_mode") is True and "job_tags" not in t for t in templates)
    assert any(t.get("job_type") == "run" and "job_tags" not in t and t["playbook"] == "playbooks/site.yml"
               for t in templates)
    for template in templates:
        assert (ROOT / template["playbook"]).is_file()


def test_the_workflow_rolls_back_what_the_rollout_changed_when_the_validation_fails(configure_tasks):
    nodes = {t["awx.awx.workflow_job_template_node"]["identifier"]: t["awx.awx.workflow_job_template_node"]
             for t in configure_tasks if "awx.awx.workflow_job_template_node" in t}
    assert nodes["rollout"]["success_nodes"] == ["validate"]
    assert nodes["validate"]["failure_nodes"] == ["rollback"]
    assert not {"success_nodes", "failure_nodes", "always_nodes"} & set(nodes["rollback"])
    order = list(nodes)
    assert order.index("rollback") < order.index("validate") < order.index("rollout"), "children first"
    # The artifacts that pass from node to node: published by site.yml and the validate role, read by the rollback.
    rollback = ROLLBACK_CHANGED.read_text(encoding="utf-8")
    assert "launchkit_phases_changed_by_host" in (ROOT / "playbooks" / "site.yml").read_text(encoding="utf-8")
    assert "launchkit_reports" in (ROOT / "roles" / "validate" / "tasks" / "report.yml").read_text(encoding="utf-8")
    assert "launchkit_phases_changed_by_host" in rollback and "launchkit_reports" in rollback


def test_site_never_loads_the_awx_playbooks():
    for path in (ROOT / "playbooks").glob("*.yml"):
        if path.name.startswith("awx_"):
            continue
        assert "awx_" not in path.read_text(encoding="utf-8").replace("awx_rollback_changed.yml)", ""), path.name


def test_the_awx_playbooks_pass_the_syntax_check(awx_collections):
    env = {**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1",
           "ANSIBLE_COLLECTIONS_PATH": f"{ROOT / 'playbooks' / 'collections'}{os.pathsep}{awx_collections}"}
    done = subprocess.run([str(BIN / "ansible-playbook"), "--syntax-check", "-i", "localhost,",
                           str(CONFIGURE), str(ROLLBACK_CHANGED)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
