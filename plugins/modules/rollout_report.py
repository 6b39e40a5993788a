#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: rollout_report
short_description: Write the post-rollout report of a stack (JSON and Markdown)
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Writes C(rollout-report.json) (O(data), keys sorted) and C(rollout-report.md) (O(markdown)) into
    O(path), each replaced atomically with mode C(0600); O(path) is made with mode C(0700) when missing.
  - A file whose content is already the same is left alone, so a second run with the same results
    changes nothing. O(stamp) is not part of that comparison, so a report that says the same keeps the
    stamp it was written with.
  - The report is meant to be read by people and by automation; give it only scrubbed data (the
    M(launchkit.paas.rollout_report) task of the validate role writes no password, token or URL).
extends_documentation_fragment:
  - launchkit.paas.attributes
  - launchkit.paas.attributes.ACTIONS
attributes:
  diff_mode:
    details: The diff is the Markdown report before and after.
options:
  path:
    description: The directory of the report.
    type: path
    required: true
  data:
    description: The report as data, written as JSON.
    type: dict
    required: true
  markdown:
    description: The report as Markdown (one newline at its end is ensured).
    type: str
    required: true
  stamp:
    description:
      - When the report was made, for example C(2026-12-01T10:00:00Z); written as C(written_at) into the
        JSON and as the last line of the Markdown.
      - Only written when something else in the report changed; otherwise the files keep their old stamp.
    type: str
"""

EXAMPLES = r"""
- name: Write the report
  launchkit.paas.rollout_report:
    path: "{{ launchkit_report_dir }}/{{ inventory_hostname }}"
    data: "{{ report }}"
    markdown: "{{ lookup('ansible.builtin.template', 'report.md.j2') }}"
    # rewritten only when the rest changes
    stamp: "{{ now(utc=true, fmt='%Y-%m-%dT%H:%M:%SZ') }}"
"""

RETURN = r"""
json_path:
  description: The JSON report's file.
  returned: always
  type: str
  sample: /home/ops/.launchkit/reports/scoop_production/rollout-report.json
markdown_path:
  description: The Markdown report's file.
  returned: always
  type: str
  sample: /home/ops/.launchkit/reports/scoop_production/rollout-report.md
changed_files:
  description: The files this run wrote (or would write, in check mode).
  returned: always
  type: list
  elements: str
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.rollout.record import run_report

ARGUMENT_SPEC = dict(
    path=dict(type="path", required=True),
    data=dict(type="dict", required=True),
    markdown=dict(type="str", required=True),
    stamp=dict(type="str"),
)

MODULE = Module(ARGUMENT_SPEC, run_report, needs_requests=False)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
