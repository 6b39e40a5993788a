"""Exceptions a vendor handler raises; the pipeline turns them into the vendor's error body."""
from __future__ import annotations


class ApiError(Exception):
    """An error answer: ``status`` plus a human message, rendered by ``VendorAPI.error``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class NotFound(ApiError):
    def __init__(self, message: str = "not found") -> None:
        super().__init__(404, message)


class BadRequest(ApiError):
    def __init__(self, message: str) -> None:
        super().__init__(400, message)


class Conflict(ApiError):
    def __init__(self, message: str) -> None:
        super().__init__(409, message)
