"""The request shapes the Vercel sandbox accepts, written from the official TypeScript SDK (``@vercel/sdk``
1.28.35): ``src/funcs/*.ts`` give each operation's method, path and query parameters, ``src/models/*op.ts``
its request body. Vercel publishes no OpenAPI file we hold, so this table stands in for one: a query
parameter or body field the SDK does not send is refused, as are missing required fields and values
outside the SDK's closed enums.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError

ENV_TYPES = ("system", "encrypted", "plain", "sensitive")  # CreateProjectEnv1Type, EditProjectEnvType
ENV_TARGETS = ("production", "preview", "development")  # CreateProjectEnv1Target
BINARY = ("0", "1")  # ForceNew, SkipAutoDetectionConfirmation
TRUE_FALSE = ("true", "false")  # Decrypt (deprecated)


class VercelError(ApiError):
    """An error answer in Vercel's shape: ``{"error": {"code", "message", ...extra}}``."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(status, message)
        self.code = code
        self.extra = extra


def bad_request(message: str, code: str = "bad_request") -> VercelError:
    return VercelError(400, code, f"Invalid request: {message}")


@dataclass(frozen=True)
class Operation:
    """One SDK operation: its query parameters (name -> allowed values, () for any string)."""

    query: dict[str, tuple[str, ...]] = field(default_factory=dict)


TEAM = {"teamId": (), "slug": ()}
OPERATIONS: dict[tuple[str, str], Operation] = {
    # projectsGetProject.ts, projectsGetProjects.ts
    ("GET", "/v9/projects/{idOrName}"): Operation(TEAM),
    ("GET", "/v10/projects"): Operation({**TEAM, "limit": (), "from": (), "search": (), "repo": (), "repoId": (),
                                         "repoUrl": (), "excludeRepos": (), "edgeConfigId": (),
                                         "edgeConfigTokenId": (), "deprecated": TRUE_FALSE,
                                         "elasticConcurrencyEnabled": (), "staticIpsEnabled": (),
                                         "buildMachineTypes": (), "buildQueueConfiguration": (),
                                         "gitForkProtection": ()}),
    # projectsFilterProjectEnvs.ts, projectsCreateProjectEnv.ts, projectsGetProjectEnv.ts,
    # projectsEditProjectEnv.ts, projectsRemoveProjectEnv.ts
    ("GET", "/v10/projects/{idOrName}/env"): Operation({**TEAM, "gitBranch": (), "decrypt": TRUE_FALSE,
                                                        "source": (), "customEnvironmentId": (),
                                                        "customEnvironmentSlug": ()}),
    ("POST", "/v10/projects/{idOrName}/env"): Operation({**TEAM, "upsert": ()}),
    ("GET", "/v1/projects/{idOrName}/env/{id}"): Operation(TEAM),
    ("PATCH", "/v9/projects/{idOrName}/env/{id}"): Operation(TEAM),
    ("DELETE", "/v9/projects/{idOrName}/env/{id}"): Operation({**TEAM, "customEnvironmentId": ()}),
    # deploymentsCreateDeployment.ts, deploymentsGetDeployment.ts, deploymentsGetDeployments.ts,
    # deploymentsCancelDeployment.ts
    ("POST", "/v13/deployments"): Operation({**TEAM, "forceNew": BINARY, "skipAutoDetectionConfirmation": BINARY}),
    ("GET", "/v13/deployments/{idOrUrl}"): Operation({**TEAM, "withGitRepoInfo": TRUE_FALSE}),
    ("GET", "/v7/deployments"): Operation({**TEAM, "app": (), "from": (), "limit": (), "projectId": (),
                                           "projectIds": (), "target": (), "to": (), "users": (), "since": (),
                                           "until": (), "state": (), "rollbackCandidate": TRUE_FALSE,
                                           "branch": (), "sha": ()}),
    ("PATCH", "/v12/deployments/{id}/cancel"): Operation(TEAM),
}

# CreateProjectEnv11 (target required) / CreateProjectEnv12 (customEnvironmentIds required), and the same
# two for each item of an array (CreateProjectEnv21 / 22)
ENV_CREATE_FIELDS = ("key", "value", "type", "target", "gitBranch", "comment", "customEnvironmentIds")
ENV_EDIT_FIELDS = ("key", "target", "gitBranch", "type", "value", "customEnvironmentIds", "comment")  # EditProjectEnvRequestBody
DEPLOYMENT_FIELDS = ("buildMachine", "customEnvironmentSlugOrId", "deploymentId", "files", "gitAccessToken",
                     "gitMetadata", "gitSource", "meta", "monorepoManager", "name", "project", "projectSettings",
                     "target", "withLatestCommit")  # CreateDeploymentRequestBody


def check_query(method: str, template: str, query: dict[str, list[str]]) -> None:
    operation = OPERATIONS.get((method, template))
    if operation is None:
        return
    for name, values in query.items():
        if name not in operation.query:
            raise bad_request(f"query parameter `{name}` is not accepted by this endpoint")
        if len(values) > 1:
            raise bad_request(f"query parameter `{name}` is given {len(values)} times")
        allowed = operation.query[name]
        if allowed and values[0] not in allowed:
            raise bad_request(f"query parameter `{name}` should be one of {', '.join(allowed)}")


def _string(body: dict[str, Any], name: str, *, required: bool, nullable: bool = False) -> None:
    if name not in body:
        if required:
            raise bad_request(f"missing required property `{name}`")
        return
    value = body[name]
    if value is None and nullable:
        return
    if not isinstance(value, str):
        raise bad_request(f"`{name}` should be a string")


def _closed(body: Any, fields: tuple[str, ...], what: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise bad_request(f"{what} should be an object")
    unknown = sorted(set(body) - set(fields))
    if unknown:
        raise bad_request(f"{what} should NOT have additional property `{unknown[0]}`")
    return body


def _targets(body: dict[str, Any], *, required: bool) -> None:
    if "target" not in body:
        if required:
            raise bad_request("missing required property `target`")
        return
    target = body["target"]
    if not isinstance(target, list) or not target or not all(isinstance(item, str) for item in target):
        raise bad_request("`target` should be a non-empty array of strings")
    wrong = [item for item in target if item not in ENV_TARGETS]
    if wrong:
        raise bad_request(f"`target` item `{wrong[0]}` should be one of {', '.join(ENV_TARGETS)}")


def _git_branch(body: dict[str, Any], target: list[str] | None) -> None:
    """A git branch scopes a preview variable: it is refused with any other target (Vercel's dashboard and
    API offer a branch only for Preview)."""
    if body.get("gitBranch") and target is not None and list(target) != ["preview"]:
        raise bad_request("`gitBranch` can only be set for the `preview` target alone", code="git_branch_invalid")


def check_env_item(item: Any, what: str = "body") -> dict[str, Any]:
    item = _closed(item, ENV_CREATE_FIELDS, what)
    for name in ("key", "value"):
        _string(item, name, required=True)
    if "type" not in item:
        raise bad_request("missing required property `type`")
    if item["type"] not in ENV_TYPES:
        raise bad_request(f"`type` should be equal to one of the allowed values {', '.join(ENV_TYPES)}")
    custom = item.get("customEnvironmentIds")
    if custom is not None and (not isinstance(custom, list) or not all(isinstance(c, str) for c in custom)):
        raise bad_request("`customEnvironmentIds` should be an array of strings")
    # variant 1 needs `target`, variant 2 `customEnvironmentIds`
    _targets(item, required="customEnvironmentIds" not in item)
    _string(item, "gitBranch", required=False, nullable=True)
    _string(item, "comment", required=False)
    _git_branch(item, item.get("target"))
    if item.get("key") == "":
        raise bad_request("`key` should NOT be shorter than 1 characters")
    return item


def check_env_create(body: Any) -> list[dict[str, Any]]:
    """One object or an array of them (CreateProjectEnvRequestBody)."""
    if isinstance(body, list):
        if not body:
            raise bad_request("the body should NOT have fewer than 1 items")
        return [check_env_item(item, f"body[{index}]") for index, item in enumerate(body)]
    if body is None:
        raise bad_request("a request body is required")
    return [check_env_item(body)]


def check_env_edit(body: Any, current_target: list[str]) -> dict[str, Any]:
    body = _closed(body if body is not None else {}, ENV_EDIT_FIELDS, "body")
    for name in ("key", "value", "comment"):
        _string(body, name, required=False)
    _string(body, "gitBranch", required=False, nullable=True)
    if "type" in body and body["type"] not in ENV_TYPES:
        raise bad_request(f"`type` should be equal to one of the allowed values {', '.join(ENV_TYPES)}")
    _targets(body, required=False)
    _git_branch(body, body.get("target", current_target))
    return body


def check_deployment_create(body: Any) -> dict[str, Any]:
    body = _closed(body, DEPLOYMENT_FIELDS, "body")
    _string(body, "name", required=True)
    for name in ("deploymentId", "project", "target", "customEnvironmentSlugOrId"):
        _string(body, name, required=False)
    meta = body.get("meta")
    if meta is not None and (not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values())):
        raise bad_request("`meta` should be an object of strings")
    return body
