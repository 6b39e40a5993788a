# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the argument specs of the Render modules, each built once.

Not a public API; it may change between any two releases. Each function returns the whole
argument spec of one module (documented in that module and the render doc fragments); the
options several modules share are written once here.
"""
from __future__ import annotations

import copy

from ansible_collections.launchkit.paas.plugins.module_utils.rollout import record as records

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import base_options
from ansible_collections.launchkit.paas.plugins.module_utils.render.client import (
    DEFAULT_URL, KEY_VALUE_PLANS, MAXMEMORY_POLICIES, POSTGRES_PLANS, POSTGRES_VERSIONS, REGIONS, RUNTIMES,
    SERVICE_PLANS, SERVICE_TYPES)

TEXT = {"type": "str"}
FLAG = {"type": "bool", "default": False}
# The ip_allow_list option of a Render datastore (doc fragment render.ip_allow_list).
IP_ALLOW_LIST = {"type": "list", "elements": "dict", "options": {
    "cidr_block": {"type": "str", "required": True}, "description": {"type": "str"}}}
AUTOSCALING = {"type": "dict", "options": {
    "enabled": {"type": "bool", "required": True}, "min": {"type": "int", "default": 1},
    "max": {"type": "int", "default": 3}, "cpu_percent": {"type": "int"}, "memory_percent": {"type": "int"}}}
# Render spells policies with underscores; Redis's hyphenated spellings are accepted too.
POLICIES = list(MAXMEMORY_POLICIES) + [p.replace("_", "-") for p in MAXMEMORY_POLICIES if "_" in p]


def module_options(**options: dict) -> dict:
    """Connection (doc fragments render, http_client) and workspace (render.owner), then `options`."""
    from ansible.module_utils.basic import env_fallback

    spec = base_options("RENDER_API_URL", DEFAULT_URL, "RENDER_API_KEY")
    spec["owner"] = {"type": "str", "fallback": (env_fallback, ["RENDER_OWNER_ID"])}
    spec.update(options)
    return copy.deepcopy(spec)  # shared pieces stay unshared between modules run in one process


def choice(values: tuple[str, ...] | list[str], **extra: object) -> dict:
    return {"type": "str", "choices": list(values), **extra}


def waiting(timeout: int) -> dict:
    return {"wait": {"type": "bool", "default": True}, "wait_timeout": {"type": "int", "default": timeout}}


def datastore_info() -> dict:
    """render_key_value_info, render_postgres_info: one datastore by id, or by name, or all."""
    return module_options(name=TEXT, id=TEXT, return_secrets=FLAG)


def datastore(**options: dict) -> dict:
    """What render_key_value and render_postgres share, then `options`."""
    return module_options(name={"type": "str", "required": True}, id=TEXT, region=choice(REGIONS),
                          ip_allow_list=IP_ALLOW_LIST, environment_id=TEXT, return_secrets=FLAG, **waiting(600),
                          **options)


def key_value() -> dict:
    return datastore(state=choice(["present", "absent"], default="present"), plan=choice(KEY_VALUE_PLANS),
                     maxmemory_policy=choice(POLICIES))


def postgres() -> dict:
    return datastore(state=choice(["present", "suspended", "absent"], default="present"),
                     plan=choice(POSTGRES_PLANS), version=choice(POSTGRES_VERSIONS), disk_size_gb={"type": "int"},
                     high_availability={"type": "bool"}, database_name=TEXT, database_user=TEXT, confirm_delete=FLAG)


def postgres_credential() -> dict:
    return module_options(postgres={"type": "str", "required": True}, username={"type": "str", "required": True},
                          state=choice(["present", "absent"], default="present"), return_secrets=FLAG)


def service() -> dict:
    return module_options(
        name={"type": "str", "required": True}, id=TEXT,
        state=choice(["present", "suspended", "absent"], default="present"), type=choice(SERVICE_TYPES),
        runtime=choice(RUNTIMES), repo=TEXT, branch=TEXT, image=TEXT, registry_credential_id=TEXT, root_dir=TEXT,
        auto_deploy={"type": "bool"}, build_command=TEXT, start_command={"type": "str", "aliases": ["docker_command"]},
        docker_context=TEXT, dockerfile_path=TEXT, pre_deploy_command=TEXT, plan=choice(SERVICE_PLANS),
        region=choice(REGIONS), num_instances={"type": "int"}, autoscaling=AUTOSCALING, health_check_path=TEXT,
        schedule=TEXT, display_timezone=TEXT, publish_path=TEXT, environment_id=TEXT,
        create_env={"type": "dict", "no_log": True}, create_env_from=TEXT, **records.write_target_options())


def service_info() -> dict:
    return module_options(
        name={"type": "list", "elements": "str"}, type={"type": "list", "elements": "str", "choices": list(SERVICE_TYPES)},
        id=TEXT, env_keys={"type": "bool", "default": False, "no_log": False},
        env_values={"type": "list", "elements": "str", "default": [], "no_log": False})


def env_vars() -> dict:
    return module_options(
        service={"type": "str", "required": True}, env={"type": "dict", "default": {}, "no_log": True},
        remove={"type": "list", "elements": "str", "default": [], "no_log": False}, from_service=TEXT,
        from_service_keys={"type": "list", "elements": "str", "no_log": False}, purge=FLAG, return_previous=FLAG)


def deploy() -> dict:
    return module_options(
        services={"type": "list", "elements": "str", "required": True, "aliases": ["service"]},
        state=choice(["deployed", "live", "rolled_back"], default="deployed"), commit_id=TEXT, image_url=TEXT,
        clear_cache=FLAG, deploy_mode=choice(["build_and_deploy", "deploy_only"], default="build_and_deploy"),
        deploy_id=TEXT, **waiting(1200))


def cron_run() -> dict:
    return module_options(service={"type": "str", "required": True}, **waiting(900))


def custom_domain() -> dict:
    return module_options(service={"type": "str", "required": True}, name={"type": "str", "required": True},
                          state=choice(["present", "absent"], default="present"), verify=FLAG, **waiting(300))
