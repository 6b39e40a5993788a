# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    # The connection options of every module that calls a vendor API through the HTTP core.
    DOCUMENTATION = r"""
options:
  timeout:
    description: Seconds to wait for each HTTP answer. Failed calls are retried with backoff.
    type: float
    default: 30
  validate_certs:
    description: Verify the API's TLS certificate.
    type: bool
    default: true
requirements:
  - python >= 3.10
  - requests >= 2.31
"""
