"""Exceptions a vendor handler raises; the pipeline turns them into the vendor's error body."""
from __future__ import annotations


class ApiError(Exception):
    """An error answer: ``status`` plus a human message, rendered by ``VendorAPI.api_error``.

    ``field`` names the request field at fault when there is one (vendors that report it use it)."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


class NotFound(ApiError):
    def __init__(self, message: str = "not found") -> None:
        super().__init__(404, message)


class BadRequest(ApiError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(400, message, field)


class Conflict(ApiError):
    def __init__(self, message: str) -> None:
        super().__init__(409, message)
