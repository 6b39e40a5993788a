# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the Vercel REST API client, the only place Vercel's paths, query
parameters and body fields are written.

Not a public API; it may change between any two releases. Vercel publishes no spec file this
collection holds: paths, query parameters and bodies follow Vercel's official TypeScript SDK
(``@vercel/sdk``: ``src/funcs/*.ts`` and ``src/models/*.ts``), and the error body and the handling of
clashing env entries follow Vercel's Terraform provider (``client/*.go``). docs/vercel.md lists what
was confirmed where. Base URL https://api.vercel.com; a team's resources take ``teamId`` on every call.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ansible_collections.launchkit.paas.plugins.module_utils.core.data import compact
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import (
    ApiError, HttpClient, Vendor, json_message)

DEFAULT_URL = "https://api.vercel.com"
#: an env entry's targets (SDK createprojectenvop.ts, CreateProjectEnv1Target)
TARGETS = ("production", "preview", "development")
#: the env types a user may ask for; ``system`` entries are Vercel's own and never written here
ENV_TYPES = ("plain", "encrypted", "sensitive")
#: deployment readyState values (SDK getdeploymentsop.ts GetDeploymentsReadyState)
READY = "READY"
FAILED_STATES = ("ERROR", "CANCELED", "DELETED")
#: the codes Vercel answers a second entry of a key for an overlapping target with: ENV_CONFLICT in the
#: ``failed`` list of a create's answer, ENV_ALREADY_EXISTS as an error (TF provider client/error.go)
CONFLICT_CODES = ("ENV_CONFLICT", "ENV_ALREADY_EXISTS", "existing_key_and_target")
#: how many recent deployments a look-up reads (one page; the newest first)
DEPLOYMENT_PAGE = 20


def _parse_error(body: Any) -> tuple[str | None, str]:
    # {"error": {"code": "...", "message": "...", ...}} (TF provider client/request.go APIError)
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return (str(error["code"]) if error.get("code") else None), json_message(error, "message", "code")
    return None, json_message(body, "message", "error")


VENDOR = Vendor("Vercel", parse_error=_parse_error, reset_header="X-RateLimit-Reset", reset_is_epoch=True,
                auth_hint="Check api_token (or VERCEL_TOKEN): an access token from the account's settings, "
                          "of the team given as team_id when the project belongs to a team.")


class EnvCreateFailed(ApiError):
    """Vercel answered a create with the entry in its ``failed`` list (a 201 that made nothing)."""


def segment(value: str) -> str:
    """A path segment: a project name or an id, quoted whole."""
    return quote(str(value), safe="")


class VercelClient:
    def __init__(self, http: HttpClient, team_id: str | None = None) -> None:
        self.http = http
        self.team_id = team_id or None

    @classmethod
    def from_params(cls, params: dict, secrets: Secrets | None = None, **overrides: Any) -> "VercelClient":
        http = HttpClient(params["api_url"], VENDOR, headers={"Authorization": f"Bearer {params['api_token']}"},
                          timeout=params["timeout"], validate_certs=params["validate_certs"],
                          secrets=secrets or Secrets(), **overrides)
        return cls(http, params.get("team_id"))

    def _query(self, **values: Any) -> dict:
        """The query of every call: its own parameters and the team, when one is set."""
        return compact({**values, "teamId": self.team_id})

    def _get_or_none(self, path: str, **query: Any) -> Any:
        try:
            return self.http.get(path, params=self._query(**query))
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise

    def _write(self, method: str, path: str, body: Any = None, query: dict | None = None, **kwargs: Any) -> Any:
        return self.http.request(method, path, params=self._query(**(query or {})), json_body=body, **kwargs).body

    # -- projects (SDK projectsGetProject: GET /v9/projects/{idOrName})
    def project(self, id_or_name: str) -> dict | None:
        return self._get_or_none(f"/v9/projects/{segment(id_or_name)}")

    # -- env vars
    def env_vars(self, project_id: str) -> list[dict]:
        """Every env entry of the project (SDK projectsFilterProjectEnvs: GET /v10/projects/{idOrName}/env).

        The deprecated ``decrypt`` is not asked for: an encrypted value is read one by one (``env_var``).
        The answer is ``{"envs": [...]}`` (with ``pagination`` or ``hiddenProductionEnvCount``), or one entry.
        """
        body = self.http.get(f"/v10/projects/{segment(project_id)}/env", params=self._query()) or {}
        if isinstance(body, dict) and "envs" in body:
            return list(body.get("envs") or [])
        return [body] if isinstance(body, dict) and body.get("key") else []

    def env_var(self, project_id: str, env_id: str) -> dict | None:
        """One entry with its value decrypted where Vercel allows (SDK projectsGetProjectEnv:
        GET /v1/projects/{idOrName}/env/{id}; ``decrypted`` says whether ``value`` is the plain value)."""
        return self._get_or_none(f"/v1/projects/{segment(project_id)}/env/{segment(env_id)}")

    def create_env(self, project_id: str, key: str, value: str, env_type: str, targets: list[str],
                   git_branch: str | None = None) -> dict:
        """Create one entry (SDK projectsCreateProjectEnv: POST /v10/projects/{idOrName}/env, no ``upsert``);
        the created entry. An entry in the answer's ``failed`` list is raised as EnvCreateFailed.

        Not repeatable: a lost answer is looked up by the caller before the create is sent again.
        """
        body = compact({"key": key, "value": value, "type": env_type, "target": list(targets), "gitBranch": git_branch})
        path = f"/v10/projects/{segment(project_id)}/env"
        answer = self._write("POST", path, body, ok=(200, 201)) or {}
        failed = [item.get("error") or {} for item in answer.get("failed") or []]
        if failed:
            raise EnvCreateFailed(201, self.http.secrets.redact(json_message(failed[0], "message", "code")),
                                  code=failed[0].get("code"), method="POST", path=path, vendor=VENDOR.name)
        created = answer.get("created")
        if isinstance(created, list):
            created = created[0] if created else None
        return created or {}

    def edit_env(self, project_id: str, env_id: str, value: str, env_type: str) -> dict:
        """Set an entry's value and type (SDK projectsEditProjectEnv: PATCH /v9/projects/{idOrName}/env/{id});
        its key, targets and branch stay as they are. Repeatable: it sets absolute values."""
        return self._write("PATCH", f"/v9/projects/{segment(project_id)}/env/{segment(env_id)}",
                           {"value": value, "type": env_type}) or {}

    def delete_env(self, project_id: str, env_id: str) -> None:
        """SDK projectsRemoveProjectEnv: DELETE /v9/projects/{idOrName}/env/{id}; an entry already gone is no error."""
        self._write("DELETE", f"/v9/projects/{segment(project_id)}/env/{segment(env_id)}", ok=(200, 204, 404))

    # -- deployments
    def deployments(self, project_id: str, target: str = "production", limit: int = DEPLOYMENT_PAGE) -> list[dict]:
        """The project's newest deployments of `target`, newest first (SDK deploymentsGetDeployments:
        GET /v7/deployments); each carries its id as ``uid``."""
        body = self.http.get("/v7/deployments", params=self._query(projectId=project_id, target=target,
                                                                   limit=limit)) or {}
        return list(body.get("deployments") or [])

    def deployment(self, id_or_url: str) -> dict | None:
        """SDK deploymentsGetDeployment: GET /v13/deployments/{idOrUrl}."""
        return self._get_or_none(f"/v13/deployments/{segment(id_or_url)}")

    def redeploy(self, name: str, deployment_id: str, target: str = "production") -> dict:
        """A new deployment built like `deployment_id`, with the project's current settings and env
        (SDK deploymentsCreateDeployment: POST /v13/deployments, ``deploymentId`` in the body).

        ``forceNew=1`` keeps Vercel from answering with an earlier similar deployment instead of building
        one, which would not pick up changed env. Not repeatable: a lost answer is looked up by the caller.
        """
        body = {"name": name, "deploymentId": deployment_id, "target": target}
        return self._write("POST", "/v13/deployments", body, query={"forceNew": "1"}, ok=(200, 201)) or {}


# -- what the Vercel modules share about env entries and deployments
def entry_targets(entry: dict) -> frozenset[str]:
    """An entry's targets as a set (Vercel gives a list, or a single string)."""
    target = entry.get("target") or []
    return frozenset([target] if isinstance(target, str) else target)


def entry_branch(entry: dict) -> str | None:
    return entry.get("gitBranch") or None


def deployment_id(deployment: dict) -> str | None:
    """A deployment's id: ``id`` in a deployment's own answer, ``uid`` in a list of them."""
    return deployment.get("id") or deployment.get("uid")


def https(host: str | None) -> str | None:
    """A Vercel host name (Vercel gives deployment URLs and aliases without a scheme) as an https URL."""
    if not host:
        return None
    return host if "://" in host else f"https://{host}"
