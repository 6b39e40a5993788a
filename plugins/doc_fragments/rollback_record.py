# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    # Where the rollback records of a stack are: rollback_record and rollback_record_info.
    DOCUMENTATION = r"""
options:
  state_dir:
    description:
      - The directory of the records, one sub-directory per stack.
      - Defaults to the E(LAUNCHKIT_STATE_DIR) environment variable.
    type: path
    required: true
  stack:
    description: The stack (the inventory host) whose records they are; a file name, so letters, digits, C(_), C(-) and C(.).
    type: str
    required: true
"""

    # Where a module that changes things keeps the rollback record of its phase (app_env, render_service).
    WRITE = r"""
options:
  record_phase:
    description:
      - Keep what this task changes in this phase's rollback record, C(<record_dir>/<record_stack>/<record_phase>.json),
        written before the change it describes (see M(launchkit.paas.rollback_record)).
    type: str
  record_dir:
    description: The directory of the rollback records. Defaults to E(LAUNCHKIT_STATE_DIR).
    type: path
  record_stack:
    description: The stack (the inventory host) whose record it is. Required with O(record_phase).
    type: str
"""
