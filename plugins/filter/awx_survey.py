# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: awx_survey
short_description: An AWX job template survey built from a role's argument spec
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Takes the content of a role's C(meta/argument_specs.yml) and returns the C(survey_spec) of an AWX (or
    Automation Controller) job template, one question per option that a survey can ask safely.
  - Asked are the options of type C(bool) (a choice of C(true) or C(false)), C(int), C(float), C(str) with
    C(choices) (one of them) and C(list) with C(choices) (several of them). Free text, paths, dicts, lists
    without choices and C(no_log) options are left to the inventory and the vault.
  - "Every question is optional and has no default of its own, so an unanswered question passes no extra var
    and the inventory's value (or the role's default) stays; the role's default is named in the question's
    description, as C((role default: VALUE))."
  - A survey answer is an extra var of the job, which wins over the inventory for every host of the job.
options:
  _input:
    description: The content of the role's C(meta/argument_specs.yml).
    type: dict
    required: true
  role:
    description: The role's name, for the survey's name and description.
    type: str
    required: true
  entry_point:
    description: The entry point whose options are asked.
    type: str
    default: main
"""

EXAMPLES = r"""
- name: A job template for the redis phase, its survey from the role's argument spec
  awx.awx.job_template:
    name: launchkit.paas phase redis
    playbook: playbooks/site.yml
    job_tags: redis
    survey_enabled: true
    survey_spec: >-
      {{ lookup('ansible.builtin.file', playbook_dir ~ '/../roles/redis/meta/argument_specs.yml') | from_yaml
         | launchkit.paas.awx_survey(role='redis') }}
"""

RETURN = r"""
_value:
  description: C({name, description, spec}), spec being the list of questions (question_name,
    question_description, variable, type, required, and choices, min or max where they apply).
  type: dict
"""

from typing import Any

from ansible.errors import AnsibleFilterError

DESCRIPTION_LENGTH = 400
DEFAULT_MARK = " (role default: "


def default_text(value: Any) -> str:
    """How a role default reads in a question's description (and how the tests read it back)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value) or "none"
    return "none" if value is None else str(value)


def question_type(option: dict) -> str | None:
    """The survey question type for an option, or None when a survey should not ask it."""
    kind, choices = option.get("type", "str"), option.get("choices")
    if option.get("no_log"):
        return None
    if kind == "bool":
        return "multiplechoice"
    if kind in ("int", "float"):
        return "integer" if kind == "int" else "float"
    if kind == "str" and choices:
        return "multiplechoice"
    if kind == "list" and choices and option.get("elements", "str") == "str":
        return "multiselect"
    return None


def first_line(description: Any) -> str:
    text = " ".join(description) if isinstance(description, list) else str(description or "")
    text = " ".join(text.split())
    return text if len(text) <= DESCRIPTION_LENGTH else text[:DESCRIPTION_LENGTH - 1].rstrip() + "..."


def question(name: str, option: dict, kind: str) -> dict:
    described = first_line(option.get("description"))
    if "default" in option:
        described += DEFAULT_MARK + default_text(option["default"]) + ")"
    asked = {"question_name": name, "question_description": described, "variable": name,
             "type": kind, "required": False}
    if option.get("type") == "bool":
        asked["choices"] = ["true", "false"]
    elif kind in ("multiplechoice", "multiselect"):
        asked["choices"] = [str(choice) for choice in option["choices"]]
    return asked


def awx_survey(argument_specs: dict, role: str, entry_point: str = "main") -> dict:
    if not isinstance(argument_specs, dict) or "argument_specs" not in argument_specs:
        raise AnsibleFilterError("awx_survey takes the content of a role's meta/argument_specs.yml")
    entry = argument_specs["argument_specs"].get(entry_point)
    if entry is None:
        raise AnsibleFilterError(f"role {role} has no entry point {entry_point!r} in its argument spec")
    questions = []
    for name, option in (entry.get("options") or {}).items():
        kind = question_type(option or {})
        if kind:
            questions.append(question(name, option, kind))
    return {"name": f"launchkit.paas {role}",
            "description": first_line(entry.get("short_description")) or f"The {role} role's options",
            "spec": questions}


class FilterModule:
    def filters(self) -> dict:
        return {"awx_survey": awx_survey}
