# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
attributes:
  action_group:
    description: Use C(group/launchkit.paas.grafana) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - launchkit.paas.grafana
options:
  api_url:
    description:
      - URL of the Grafana instance, for example C(https://<stack>.grafana.net), or the launchkit sandbox's
        C(http://127.0.0.1:8765/grafana). The module appends C(/api).
      - If not set in the task (or its C(module_defaults)), the inventory variable C(launchkit_grafana_url) is used when
        it is defined (read by the module's action plugin), else the environment variable E(GRAFANA_URL).
      - Required; the module fails before any call without it.
    type: str
  api_key:
    description:
      - A service account token of the instance (Editor or Admin role), sent in the C(Authorization) header with the C(Bearer) scheme.
        Grafana Cloud accepts only service account tokens.
      - If not set in the task, the inventory variable C(launchkit_grafana_token) is used when it is defined, else
        the environment variable E(GRAFANA_TOKEN).
      - Give either O(api_key) or O(username) and O(password), not both; the module fails before any call otherwise.
    type: str
  username:
    description:
      - User for basic authentication (self-hosted Grafana), with O(password). Environment variable E(GRAFANA_USER).
    type: str
  password:
    description:
      - Password for basic authentication, with O(username). Environment variable E(GRAFANA_PASSWORD).
    type: str
notes:
  - Calls are retried on HTTP 429, 502, 503, 504 and connection errors with jittered exponential backoff (honouring
    C(Retry-After)). A create whose answer was lost is not repeated before the module has looked the object up by
    its uid or name.
  - Grafana's error message is part of every failure; the token, the password and secure settings never are.
"""

    # The state directory of the modules that keep digests of write-only values.
    STATE_DIR = r"""
options:
  update_secure:
    description:
      - When the write-only values (secure settings) are sent. Grafana never shows them again, so they are
        compared by an HMAC-SHA256 digest the module keeps in the state backend (O(state_backend)) after each write.
      - V(on_digest_change) writes a value whose digest differs from the kept one, or that has no kept digest
        (with a warning).
      - V(always) writes them on every run (the task then always reports a change).
      - V(on_create) writes them only when the object is created.
    type: str
    choices: [on_digest_change, always, on_create]
    default: on_digest_change
  state_dir:
    description:
      - Directory where the digests are kept with O(state_backend=file), one file per Grafana instance and object,
        C(grafana/<instance>/<kind>.<uid>.json) (mode 0600, no value in it), beside the rollout's other state.
      - Defaults to the E(LAUNCHKIT_STATE_DIR) environment variable. Without it (and with O(state_backend=file)) no
        digest is kept and every run with O(update_secure=on_digest_change) writes the secure values again.
      - With O(state_backend=postgresql) the digests are sealed rows of the state database under that name, and a
        record with no row yet is read from this directory when it holds one.
    type: path
"""

    # The provenance header of provisioning writes.
    PROVENANCE = r"""
options:
  disable_provenance:
    description:
      - Send C(X-Disable-Provenance) with the write, so what the module writes stays editable in Grafana's UI.
        Without it Grafana marks the object as provisioned through the API and the UI refuses to edit it.
    type: bool
    default: false
"""
