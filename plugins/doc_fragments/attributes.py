# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
"""

    ACTIONS = r"""
options: {}
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
"""

    INFO = r"""
options: {}
attributes:
  check_mode:
    support: full
    details: This module makes no changes.
  diff_mode:
    support: N/A
    details: This module makes no changes.
"""

    RENDER = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/launchkit.paas.render) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - launchkit.paas.render
"""

    UPSTASH = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/launchkit.paas.upstash) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - launchkit.paas.upstash
"""

    SENDGRID = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/launchkit.paas.sendgrid) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - launchkit.paas.sendgrid
"""

    SENTRY = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/launchkit.paas.sentry) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - launchkit.paas.sentry
"""
