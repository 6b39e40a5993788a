#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: upstash_redis_info
short_description: Read Upstash Redis databases
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - List the Redis databases of an Upstash account, or one by name or id, with the URL and REST
    credentials masked unless O(return_secrets=true).
extends_documentation_fragment:
  - launchkit.paas.upstash
  - launchkit.paas.http_client
  - launchkit.paas.attributes.info
options:
  name:
    description: Only the database with this name.
    type: str
  id:
    description: Only the database with this id.
    type: str
  return_secrets:
    description: Return the URL, password and REST tokens in clear. Set C(no_log) on the task when you do.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Read the queue database
  launchkit.paas.upstash_redis_info:
    name: synckairos-queue
  register: found
"""

RETURN = r"""
databases:
  description: The databases found, each as returned by M(launchkit.paas.upstash_redis).
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.upstash import redis
from ansible_collections.launchkit.paas.plugins.module_utils.upstash.options import module_options


MODULE = Module(module_options(redis.INFO_OPTIONS), redis.run_redis_info)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
