# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: backend_urls
short_description: The Redis and Postgres URLs to check from the controller, given an app's env
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Takes the Redis and Postgres URLs from an app's env. Where a URL is the internal connection string
    of the stack's Render instance (it resolves only inside Render), the same instance's external
    connection string is checked instead.
  - On a platform that never shows env values (Fly.io secrets), the app's value is not known, so the URL the
    rollout wrote is checked instead. That is the stack's instance's (C(redis_url) of an Upstash database, the
    external connection string of a Render instance), else the one given in O(redis_url) or O(database_url).
  - The URLs are secrets; so is the result. Use it in a task with C(no_log).
options:
  _input:
    description: The app's env values (at least the two keys), as M(launchkit.paas.render_service_info) returns them.
    type: dict
    required: true
  redis_key:
    description: Env key of the Redis URL.
    type: str
    default: REDIS_URL
  database_key:
    description: Env key of the Postgres URL.
    type: str
    default: DATABASE_URL
  redis:
    description: The stack's Redis instance (with C(connection) for a Render Key Value), or null.
    type: dict
  database:
    description: The stack's Render Postgres (with C(connection)), or null.
    type: dict
  redis_url:
    description: The Redis URL the rollout wrote, checked when the app's value is not shown (and no instance gives one).
    type: str
  database_url:
    description: The Postgres URL the rollout wrote (an external database's), checked when the app's value is not shown.
    type: str
"""

EXAMPLES = r"""
- name: Choose the URLs to check from here (secret)
  ansible.builtin.set_fact:
    urls: >-
      {{ app_env | launchkit.paas.backend_urls(redis=redis_instance, database=database_instance,
                                               redis_key='REDIS_URL', database_key='DATABASE_URL') }}
  no_log: true
"""

RETURN = r"""
_value:
  description:
    - C(redis) and C(database), the URLs to check (empty when the env has none); C(secrets), the
      URLs read from the env (to be scrubbed from anything shown).
  type: dict
"""

from typing import Any


def _reachable(app_url: str, instance: dict | None) -> str:
    connection = (instance or {}).get("connection") or {}
    if app_url and connection.get("internal_connection_string", "") == app_url:
        return connection.get("external_connection_string") or app_url
    return app_url


def _written(instance: dict | None, given: str | None) -> str:
    """The URL the rollout wrote where the platform hides the app's own: the instance's, else the one given."""
    instance = instance or {}
    connection = instance.get("connection") or {}
    return instance.get("redis_url") or connection.get("external_connection_string") or given or ""


def backend_urls(env: dict[str, Any] | None, redis_key: str = "REDIS_URL", database_key: str = "DATABASE_URL",
                 redis: dict | None = None, database: dict | None = None, redis_url: str | None = None,
                 database_url: str | None = None) -> dict[str, Any]:
    """{redis, database, secrets}: the URLs to check from the controller, and those read from ENV."""
    env = env or {}
    app_redis, app_database = env.get(redis_key, ""), env.get(database_key, "")
    # A key whose value the platform does not show (a mapping, not a string) is checked at what was written.
    if not isinstance(app_redis, str):
        app_redis = _written(redis, redis_url)
    if not isinstance(app_database, str):
        app_database = _written(database, database_url)
    return {"redis": _reachable(app_redis, redis), "database": _reachable(app_database, database),
            "secrets": [url for url in (app_redis, app_database) if url]}


class FilterModule:
    """launchkit.paas.backend_urls"""

    def filters(self) -> dict:
        return {"backend_urls": backend_urls}
