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
      - The directory of the records, one sub-directory per stack, with O(state_backend=file).
      - Defaults to the E(LAUNCHKIT_STATE_DIR) environment variable. Required with O(state_backend=file).
    type: path
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
      - Keep what this task changes in this phase's rollback record, C(<record_dir>/<record_stack>/<record_phase>.json)
        or its row with O(state_backend=postgresql), written before the change it describes (see
        M(launchkit.paas.rollback_record)).
    type: str
  record_dir:
    description: The directory of the rollback records with O(state_backend=file). Defaults to E(LAUNCHKIT_STATE_DIR).
    type: path
  record_stack:
    description: The stack (the inventory host) whose record it is. Required with O(record_phase).
    type: str
"""

    # Which backend keeps the records, run locks and kept digests, and the key that seals them (every module that
    # reads or writes them).
    STATE = r"""
options:
  state_backend:
    description:
      - Where the collection's state is kept - the rollback records and the run lock of each stack, and the
        digests kept to compare write-only secrets (M(launchkit.paas.fly_secrets), M(launchkit.paas.vercel_env),
        the Grafana secure settings, and the same through M(launchkit.paas.app_env)).
      - V(file) keeps them in files under the state directory on the controller (the default).
      - V(postgresql) keeps them in tables of the database O(state_dsn) names, created when missing, so that
        they outlive the controller (an AWX execution environment is gone after each job). It needs O(state_key).
        The kept digests are rows of the records table under the stack C(launchkit.paas/kept), one per record,
        named by the path their file has with V(file) (for example C(fly/<app>.secrets.json)), sealed as records are.
      - When the task leaves it unset, the inventory variable C(launchkit_state_backend) is used, then the
        E(LAUNCHKIT_STATE_BACKEND) environment variable.
    type: str
    choices: [file, postgresql]
    default: file
  state_dsn:
    description:
      - With O(state_backend=postgresql), the database of the records and locks, a
        C(postgresql://user:password@host:port/database) URL. Its user needs to create tables there the first
        time (or an owner creates them once, see the collection's C(docs/state.md)).
      - When the task leaves it unset, the inventory variable C(launchkit_state_dsn) is used, then the
        E(LAUNCHKIT_STATE_DSN) environment variable.
    type: str
  state_key:
    description:
      - The key that seals the records (they hold previous secret values) - AES-256-GCM with a key derived
        from this string by scrypt, one random salt and nonce per record. With O(state_backend=postgresql) it
        seals the kept digests too; with O(state_backend=file) they stay the plain files they always were (they
        hold no value). Use a long random string (for example
        C(openssl rand -base64 32)) and keep it in a vault or an AWX credential.
      - Required with O(state_backend=postgresql); with O(state_backend=file), records are sealed when it is
        given (plain records written before are still read, and sealed when next written).
      - A record sealed with another key fails the task with a message that says the key does not match.
      - When the task leaves it unset, the inventory variable C(launchkit_state_key) is used, then the
        E(LAUNCHKIT_STATE_KEY) environment variable.
    type: str
"""
