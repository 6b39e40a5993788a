# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the Render API client, the only place Render's paths, query
parameters and body fields are written.

Not a public API; it may change between any two releases. Paths and payloads follow Render's
public OpenAPI document (https://api-docs.render.com); base URL https://api.render.com/v1. One
method per operation; the resource files beside this one speak in the modules' option names and
never build a URL or a body.
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Iterator

from ansible_collections.launchkit.paas.plugins.module_utils.core.data import compact
from ansible_collections.launchkit.paas.plugins.module_utils.core.env import env_string  # noqa: F401  (render's env values)
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError, unique
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import (
    MASK, Secrets, mask_url, url_password)
from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import (
    HttpClient, Vendor, cursor_pages, json_message)

DEFAULT_URL = "https://api.render.com/v1"
PAGE_LIMIT = 100
REGIONS = ("frankfurt", "oregon", "ohio", "singapore", "virginia")
KEY_VALUE_PLANS = ("free", "starter", "standard", "pro", "pro_plus", "custom")
MAXMEMORY_POLICIES = ("noeviction", "allkeys_lfu", "allkeys_lru", "allkeys_random",
                      "volatile_lfu", "volatile_lru", "volatile_random", "volatile_ttl")
POSTGRES_PLANS = ("free", "starter", "standard", "pro", "pro_plus", "custom",
                  "basic_256mb", "basic_1gb", "basic_4gb",
                  "pro_4gb", "pro_8gb", "pro_16gb", "pro_32gb", "pro_64gb", "pro_128gb", "pro_192gb", "pro_256gb",
                  "pro_384gb", "pro_512gb",
                  "accelerated_16gb", "accelerated_32gb", "accelerated_64gb", "accelerated_128gb",
                  "accelerated_256gb", "accelerated_384gb", "accelerated_512gb", "accelerated_768gb",
                  "accelerated_1024gb")
POSTGRES_VERSIONS = ("11", "12", "13", "14", "15", "16", "17", "18")  # oldest first: the last is the default
SERVICE_TYPES = ("static_site", "web_service", "private_service", "background_worker", "cron_job")
SERVICE_PLANS = ("free", "starter", "standard", "pro", "pro_plus", "pro_max", "pro_ultra", "custom")
NATIVE_RUNTIMES = ("elixir", "go", "node", "python", "ruby", "rust")
#: runtimes whose service details are Render's docker details (dockerCommand, dockerContext, dockerfilePath)
DOCKER_RUNTIMES = ("docker", "image")
RUNTIMES = DOCKER_RUNTIMES + NATIVE_RUNTIMES
OWNER_ID_PREFIXES = ("tea-", "usr-")
SERVICE_ID_PREFIXES = ("srv-", "crn-")

# Our option -> Render's field, by where the field sits in a service body.
SERVICE_FIELDS = {"repo": "repo", "branch": "branch", "auto_deploy": "autoDeploy", "root_dir": "rootDir"}
DETAILS_FIELDS = {"runtime": "runtime", "plan": "plan", "pre_deploy_command": "preDeployCommand",
                  "health_check_path": "healthCheckPath", "schedule": "schedule", "publish_path": "publishPath"}
CREATE_DETAILS_FIELDS = {"region": "region", "num_instances": "numInstances"}
NATIVE_COMMANDS = {"build_command": "buildCommand", "start_command": "startCommand"}
DOCKER_COMMANDS = {"start_command": "dockerCommand", "docker_context": "dockerContext",
                   "dockerfile_path": "dockerfilePath"}
# A cron job's create takes the docker details of a service as read, where all three are required:
# Render's defaults fill the two not given.
CRON_DOCKER_DEFAULTS = {"dockerContext": ".", "dockerfilePath": "./Dockerfile"}
KEY_VALUE_FIELDS = {"name": "name", "plan": "plan", "region": "region", "maxmemory_policy": "maxmemoryPolicy",
                    "ip_allow_list": "ipAllowList", "environment_id": "environmentId"}
POSTGRES_FIELDS = {"name": "name", "plan": "plan", "version": "version", "region": "region",
                   "disk_size_gb": "diskSizeGB", "high_availability": "enableHighAvailability",
                   "ip_allow_list": "ipAllowList", "database_name": "databaseName", "database_user": "databaseUser",
                   "environment_id": "environmentId"}
KEY_VALUE_CONNECTION = {"internalConnectionString": "internal_connection_string",
                        "externalConnectionString": "external_connection_string", "cliCommand": "cli_command"}
POSTGRES_CONNECTION = {"internalConnectionString": "internal_connection_string",
                       "externalConnectionString": "external_connection_string",
                       "psqlCommand": "psql_command", "password": "password"}
# A URL inside a longer text, such as the cliCommand `redis-cli -u "rediss://user:password@host:port"`.
EMBEDDED_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s\"']+")


def _parse_error(body: Any) -> tuple[str | None, str]:
    code = body.get("id") if isinstance(body, dict) else None
    return code, json_message(body, "message")


VENDOR = Vendor("Render", parse_error=_parse_error, request_id_header="Render-Request-Id",
                reset_header="Ratelimit-Reset", reset_is_epoch=False)


class RenderClient:
    def __init__(self, http: HttpClient) -> None:
        self.http = http

    @classmethod
    def from_params(cls, params: dict, secrets: Secrets | None = None, **overrides: Any) -> "RenderClient":
        http = HttpClient(params["api_url"], VENDOR, headers={"Authorization": f"Bearer {params['api_key']}"},
                          timeout=params["timeout"], validate_certs=params["validate_certs"],
                          secrets=secrets or Secrets(), **overrides)
        return cls(http)

    # -- lists: an array of {<wrapper>: item, cursor}; the next page starts after the last cursor
    def _pages(self, path: str, wrapper: str, cache: bool = False, **filters: Any) -> Iterator[dict]:
        """The items of a list; with `cache` (a list without a secret) shared by the tasks of a run."""
        def fetch(cursor: str | None) -> list:
            return self.http.get(path, params={**filters, "limit": PAGE_LIMIT, "cursor": cursor}, cache=cache) or []
        for item in cursor_pages(fetch, lambda last: last.get("cursor"), page_size=PAGE_LIMIT):
            yield item[wrapper]

    # -- workspaces
    def owners(self) -> list[dict]:
        return list(self._pages("/owners", "owner", cache=True))

    def owner_id(self, owner: str | None) -> str:
        """The workspace id for an id, a name or an email; the only workspace when none is given."""
        if owner and owner.startswith(OWNER_ID_PREFIXES):
            return owner
        owners = self.owners()
        if owner is None:
            if len(owners) == 1:
                return owners[0]["id"]
            names = ", ".join(f"{o['name']} ({o['id']})" for o in owners)
            raise ResourceError(f"this API key sees several workspaces ({names}): set owner to one of them")
        match = unique([o for o in owners if owner in (o.get("name"), o.get("email"))], "workspace", owner)
        if match is None:
            raise ResourceError(f"no workspace named '{owner}' is visible to this API key")
        return match["id"]

    # -- services
    def services(self, owner_id: str, names: list[str] | None = None, types: list[str] | None = None) -> list[dict]:
        """The workspace's services of those names and types: the whole list is read once per run
        (it holds no secret) and filtered here, so every task and phase of a run shares one read."""
        found = self._pages("/services", "service", cache=True, ownerId=one_value([owner_id]))
        return [s for s in found if (not names or s["name"] in names) and (not types or s["type"] in types)]

    def service(self, owner_id: str, ref: str) -> dict:
        """A service by id (srv-..., crn-...) or by its unique name in the workspace."""
        if ref.startswith(SERVICE_ID_PREFIXES):
            return self.get_service(ref)
        match = unique(self.services(owner_id, [ref]), "service", ref)
        if match is None:
            raise ResourceError(f"no service named '{ref}' in workspace {owner_id}")
        return match

    def get_service(self, service_id: str) -> dict:
        return self.http.get(f"/services/{service_id}", cache=True)

    def create_service(self, owner_id: str, name: str, values: dict, env: dict[str, str]) -> tuple[dict, str | None]:
        """Create from render_service's options; returns the service and the id of its first deploy."""
        body = {"type": values["type"], "name": name, "ownerId": owner_id, "environmentId": values.get("environment_id"),
                **_fields(SERVICE_FIELDS, values), "image": _image(owner_id, values),
                "envVars": [{"key": key, "value": value} for key, value in env.items()] or None,
                "serviceDetails": service_details(values["type"], values.get("runtime"), values, creating=True)}
        answer = self.http.request("POST", "/services", json_body=compact(body), ok=(201,)).body
        return answer["service"], answer.get("deployId")

    def update_service(self, service_id: str, owner_id: str, kind: str, runtime: str | None, changes: dict) -> None:
        """PATCH the changed options; `runtime` (the service's) says which command fields it has."""
        body = {**_fields(SERVICE_FIELDS, changes), "image": _image(owner_id, changes),
                "serviceDetails": service_details(kind, runtime, changes, creating=False) or None}
        self.http.request("PATCH", f"/services/{service_id}", json_body=compact(body))

    def delete_service(self, service_id: str) -> None:
        self.http.request("DELETE", f"/services/{service_id}", ok=(204, 404))

    def suspend_service(self, service_id: str) -> None:
        self.http.request("POST", f"/services/{service_id}/suspend", repeatable=True, ok=(200, 202, 204))

    def resume_service(self, service_id: str) -> None:
        self.http.request("POST", f"/services/{service_id}/resume", repeatable=True, ok=(200, 202, 204))

    def scale_service(self, service_id: str, num_instances: int) -> None:
        self.http.request("POST", f"/services/{service_id}/scale", repeatable=True,
                          json_body={"numInstances": num_instances})

    def set_autoscaling(self, service_id: str, autoscaling: dict) -> None:
        """`autoscaling` as autoscaling_body() builds it."""
        self.http.request("PUT", f"/services/{service_id}/autoscaling", json_body=autoscaling)

    def delete_autoscaling(self, service_id: str) -> None:
        self.http.request("DELETE", f"/services/{service_id}/autoscaling", ok=(204, 404))

    # -- env vars (key-level endpoints only: the whole-set PUT would drop keys we do not manage)
    def env_vars(self, service_id: str) -> dict[str, str]:
        return {item["key"]: item.get("value") for item in self._pages(f"/services/{service_id}/env-vars", "envVar")}

    def env_digests(self, service_id: str) -> tuple[dict[str, str], dict[str, str] | None]:
        """{key: keyed digest of its value} of a service's env, and its values when they were read now.

        The values are secrets and never kept; the digests are, for the run, so that the tasks and
        phases that only compare (is REDIS_URL already this value?) share one read per service."""
        read: dict[str, dict[str, str]] = {}

        def compute() -> dict[str, str]:
            read["values"] = self.env_vars(service_id)
            return {key: self.http.digest(env_string(value)) for key, value in read["values"].items()}

        digests, _kept = self.http.remember(f"env-digests {service_id}", compute)
        return digests, read.get("values")

    def env_digest(self, value: Any) -> str:
        """The digest env_digests gives a value (compare, never store, a wanted value this way)."""
        return self.http.digest(env_string(value))

    def put_env_var(self, service_id: str, key: str, value: str) -> None:
        self.http.request("PUT", f"/services/{service_id}/env-vars/{key}", json_body={"value": value})

    def delete_env_var(self, service_id: str, key: str) -> None:
        self.http.request("DELETE", f"/services/{service_id}/env-vars/{key}", ok=(204, 404))

    # -- deploys
    def deploys(self, service_id: str, limit: int = 20) -> list[dict]:
        """The most recent deploys, newest first (one page)."""
        return [item["deploy"] for item in self.http.get(f"/services/{service_id}/deploys",
                                                         params={"limit": limit}) or []]

    def get_deploy(self, service_id: str, deploy_id: str) -> dict:
        return self.http.get(f"/services/{service_id}/deploys/{deploy_id}")

    def create_deploy(self, service_id: str, clear_cache: bool = False, commit_id: str | None = None,
                      image_url: str | None = None, deploy_mode: str | None = None) -> dict | None:
        """Start a deploy: the deploy, or None when Render answers 202 Queued without one.

        ``deploy_mode="deploy_only"`` deploys the last successful build without rebuilding (spec
        ``DeployMode``); it goes alone: Render refuses it with clearCache, commitId or imageUrl."""
        if deploy_mode == "deploy_only":
            body: dict = {"deployMode": deploy_mode}
        else:
            body = {"clearCache": "clear" if clear_cache else "do_not_clear", "commitId": commit_id,
                    "imageUrl": image_url}
        answer = self.http.request("POST", f"/services/{service_id}/deploys", json_body=compact(body), ok=(201, 202))
        return answer.body if answer.status == 201 and answer.body else None

    def rollback(self, service_id: str, deploy_id: str) -> dict:
        return self.http.request("POST", f"/services/{service_id}/rollback", json_body={"deployId": deploy_id},
                                 ok=(200, 201)).body

    def events(self, service_id: str, event_type: str, limit: int = 50) -> list[dict]:
        """The service's most recent events of one type (one page)."""
        page = self.http.get(f"/services/{service_id}/events", params={"type": event_type, "limit": limit}) or []
        return [item["event"] for item in page]

    # -- cron jobs
    def run_cron_job(self, cron_job_id: str) -> dict:
        return self.http.request("POST", f"/cron-jobs/{cron_job_id}/runs", ok=(200, 201)).body

    # -- custom domains
    def custom_domains(self, service_id: str) -> list[dict]:
        return list(self._pages(f"/services/{service_id}/custom-domains", "customDomain"))

    def add_custom_domain(self, service_id: str, name: str) -> list[dict]:
        """Render answers with the domain and the www/apex twin it adds."""
        return self.http.request("POST", f"/services/{service_id}/custom-domains", json_body={"name": name},
                                 ok=(200, 201)).body or []

    def get_custom_domain(self, service_id: str, domain_id: str) -> dict:
        return self.http.get(f"/services/{service_id}/custom-domains/{domain_id}")

    def delete_custom_domain(self, service_id: str, domain_id: str) -> None:
        self.http.request("DELETE", f"/services/{service_id}/custom-domains/{domain_id}", ok=(204, 404))

    def verify_custom_domain(self, service_id: str, domain_id: str) -> None:
        self.http.request("POST", f"/services/{service_id}/custom-domains/{domain_id}/verify", repeatable=True,
                          ok=(200, 202, 204))

    # -- Key Value
    def key_values(self, owner_id: str, name: str | None = None) -> list[dict]:
        found = self._pages("/key-value", "keyValue", cache=True, ownerId=one_value([owner_id]), name=one_value([name]))
        return [kv for kv in found if name is None or kv["name"] == name]

    def key_value(self, key_value_id: str) -> dict:
        return self.http.get(f"/key-value/{key_value_id}")  # polled while it comes up: never from the cache

    def create_key_value(self, owner_id: str, values: dict) -> dict:
        body = {"ownerId": owner_id, **_fields(KEY_VALUE_FIELDS, values)}
        return self.http.request("POST", "/key-value", json_body=compact(body), ok=(201,)).body

    def update_key_value(self, key_value_id: str, changes: dict) -> dict:
        return self.http.request("PATCH", f"/key-value/{key_value_id}",
                                 json_body=_fields(KEY_VALUE_FIELDS, changes)).body

    def delete_key_value(self, key_value_id: str) -> None:
        self.http.request("DELETE", f"/key-value/{key_value_id}", ok=(204, 404))

    def key_value_connection(self, key_value_id: str, secrets: Secrets, reveal: bool) -> dict:
        """Connection info under our names, each password registered and masked unless revealed."""
        info = self.http.get(f"/key-value/{key_value_id}/connection-info")
        words = (info.get("cliCommand") or "").split()
        secrets.add(*(words[i + 1] for i, word in enumerate(words[:-1]) if word in ("-a", "--pass")))
        return connection_view(info, KEY_VALUE_CONNECTION, secrets, reveal)

    # -- Postgres
    def postgres_list(self, owner_id: str, name: str | None = None) -> list[dict]:
        found = self._pages("/postgres", "postgres", cache=True, ownerId=one_value([owner_id]), name=one_value([name]))
        return [db for db in found if name is None or db["name"] == name]

    def postgres(self, postgres_id: str) -> dict | None:
        """The database, or None when no database has this id."""
        response = self.http.request("GET", f"/postgres/{postgres_id}", ok=(200, 404))
        return response.body if response.status == 200 else None

    def create_postgres(self, owner_id: str, values: dict) -> dict:
        body = {"ownerId": owner_id, **_fields(POSTGRES_FIELDS, values)}
        return self.http.request("POST", "/postgres", json_body=compact(body), ok=(201,)).body

    def update_postgres(self, postgres_id: str, changes: dict) -> dict:
        return self.http.request("PATCH", f"/postgres/{postgres_id}", json_body=_fields(POSTGRES_FIELDS, changes)).body

    def delete_postgres(self, postgres_id: str) -> None:
        self.http.request("DELETE", f"/postgres/{postgres_id}", ok=(204, 404))

    def suspend_postgres(self, postgres_id: str) -> None:
        self.http.request("POST", f"/postgres/{postgres_id}/suspend", repeatable=True, ok=(200, 202, 204))

    def resume_postgres(self, postgres_id: str) -> None:
        self.http.request("POST", f"/postgres/{postgres_id}/resume", repeatable=True, ok=(200, 202, 204))

    def postgres_connection(self, postgres_id: str, secrets: Secrets, reveal: bool) -> dict:
        """Connection info under our names; the password is masked inside every text unless revealed."""
        info = self.http.get(f"/postgres/{postgres_id}/connection-info")
        return connection_view(info, POSTGRES_CONNECTION, secrets, reveal, passwords=(info.get("password"),))

    # -- Postgres users (credentials): Render answers a create with 202 and no body; the new user becomes
    # the default one, whose password only connection-info gives
    def postgres_users(self, postgres_id: str) -> list[dict]:
        """Each user as {username, default, createdAt, openConnections} (one unpaginated list)."""
        return self.http.get(f"/postgres/{postgres_id}/credentials") or []

    def create_postgres_user(self, postgres_id: str, username: str) -> None:
        self.http.request("POST", f"/postgres/{postgres_id}/credentials", json_body={"username": username},
                          ok=(202,))

    def delete_postgres_user(self, postgres_id: str, username: str) -> None:
        self.http.request("DELETE", f"/postgres/{postgres_id}/credentials/{username}", ok=(200, 404))


# -- request bodies and query values
def one_value(values: Iterable[str | None] | None) -> str | None:
    """An array query parameter of `style: form, explode: false`: one comma-separated value."""
    present = [value for value in values or () if value is not None]
    return ",".join(present) if present else None


def _fields(names: dict[str, str], values: dict) -> dict:
    """The values of `names`' options under Render's field names (unset ones as None)."""
    return {api: values[name] for name, api in names.items() if name in values}


def _image(owner_id: str, values: dict) -> dict | None:
    if not values.get("image"):
        return None
    return compact({"ownerId": owner_id, "imagePath": values["image"],
                    "registryCredentialId": values.get("registry_credential_id")})


def command_fields(kind: str | None, runtime: str | None) -> dict[str, str]:
    """Where a service's commands go in envSpecificDetails: docker details or native ones."""
    if kind == "static_site":
        return {}
    return DOCKER_COMMANDS if runtime in DOCKER_RUNTIMES else NATIVE_COMMANDS


def service_details(kind: str, runtime: str | None, values: dict, creating: bool) -> dict:
    """serviceDetails for the schema that the type and the runtime select."""
    details = _fields(DETAILS_FIELDS, values)
    commands = compact(_fields(command_fields(kind, runtime), values))
    if commands and creating and kind == "cron_job" and runtime in DOCKER_RUNTIMES:
        commands = {**CRON_DOCKER_DEFAULTS, **commands}
    details["envSpecificDetails"] = commands or None
    if kind == "static_site":
        details["buildCommand"] = values.get("build_command")
    if creating:
        details.update(_fields(CREATE_DETAILS_FIELDS, values))
        autoscaling = values.get("autoscaling")
        details["autoscaling"] = autoscaling if (autoscaling or {}).get("enabled") else None
    return compact(details)


def autoscaling_body(option: dict | None) -> dict | None:
    """The autoscaling option in Render's shape (as it also reads back)."""
    if option is None:
        return None
    if not option["enabled"]:
        return {"enabled": False}
    return {"enabled": True, "min": option["min"], "max": option["max"],
            "criteria": {"cpu": {"enabled": option["cpu_percent"] is not None,
                                 "percentage": option["cpu_percent"] or 70},
                         "memory": {"enabled": option["memory_percent"] is not None,
                                    "percentage": option["memory_percent"] or 70}}}


def ip_allow_list(entries: list[dict] | None) -> list[dict] | None:
    """The ip_allow_list option in Render's shape (as it also reads back)."""
    if entries is None:
        return None
    return [{"cidrBlock": e["cidr_block"], "description": e.get("description") or e["cidr_block"]} for e in entries]


# -- reading answers into the modules' shapes
def service_settings(service: dict) -> dict:
    """A service as Render returns it, in the shape of render_service's options."""
    details = service.get("serviceDetails") or {}
    commands = details.get("envSpecificDetails") or {}
    runtime = details.get("runtime") or details.get("env")
    settings = {"type": service.get("type"), **{name: service.get(api) for name, api in SERVICE_FIELDS.items()},
                "image": service.get("imagePath"),
                **{name: details.get(api) for name, api in {**DETAILS_FIELDS, **CREATE_DETAILS_FIELDS}.items()},
                "runtime": runtime, "autoscaling": details.get("autoscaling"),
                **dict.fromkeys([*NATIVE_COMMANDS, *DOCKER_COMMANDS])}
    settings.update({name: commands.get(api) for name, api in command_fields(service.get("type"), runtime).items()})
    settings["build_command"] = settings["build_command"] or details.get("buildCommand")
    settings["pre_deploy_command"] = settings["pre_deploy_command"] or commands.get("preDeployCommand")
    return settings


def dashboard_url(item: dict) -> str | None:
    """The Render Dashboard page of a service, Key Value or Postgres (the API's dashboardUrl)."""
    return item.get("dashboardUrl") or None


def deploy_url(service: dict, deploy_id: str | None) -> str | None:
    """A deploy's Dashboard page: the service's dashboardUrl + /deploys/<id> (the Dashboard's path, not the API's)."""
    base = dashboard_url(service)
    return f"{base.rstrip('/')}/deploys/{deploy_id}" if base and deploy_id else base


def service_view(service: dict) -> dict:
    """What the modules return for a service."""
    details = service.get("serviceDetails") or {}
    return {"id": service["id"], "name": service["name"], "type": service["type"],
            "owner_id": service.get("ownerId"), "slug": service.get("slug"),
            "suspended": service.get("suspended") == "suspended", "repo": service.get("repo"),
            "branch": service.get("branch"), "dashboard_url": service.get("dashboardUrl"),
            "url": details.get("url"), "region": details.get("region"), "plan": details.get("plan"),
            "runtime": details.get("runtime") or details.get("env"), "service_details": details}


def connection_view(info: dict, fields: dict[str, str], secrets: Secrets, reveal: bool,
                    passwords: tuple[str | None, ...] = ()) -> dict:
    """A connection-info answer under our names, every password registered and (unless revealed) masked.

    URLs keep all but their password; another text has each of `passwords` replaced, or is masked whole.
    """
    connection = {}
    for api_name, name in fields.items():
        value = info.get(api_name)
        secrets.add(url_password(value) if "://" in (value or "") else None)
        connection[name] = value if reveal else _mask_connection(value, passwords)
    secrets.add(*passwords)
    return connection


def _mask_connection(value: str | None, passwords: tuple[str | None, ...]) -> str | None:
    if not value:
        return value
    masked = EMBEDDED_URL.sub(lambda match: mask_url(match.group(0)), value)
    for password in filter(None, passwords):
        masked = masked.replace(password, MASK)
    if masked == value and "://" not in value:  # nothing recognisable in it: hide it whole
        return MASK
    return masked


def url_passwords(value: Any) -> list[str | None]:
    """The passwords of every URL inside a (nested) value."""
    if isinstance(value, dict):
        return [s for item in value.values() for s in url_passwords(item)]
    if isinstance(value, list):
        return [s for item in value for s in url_passwords(item)]
    return [url_password(value)] if isinstance(value, str) and "://" in value else []
