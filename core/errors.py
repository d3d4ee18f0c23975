"""Domain errors that are not field validation: each knows the HTTP problem it becomes.

Services raise these (or Django's ValidationError for bad field values); the API's
exception handler turns them into RFC 9457 problems, and the admin, pages and
commands show their message.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status: int = 400
    problem_type: str = "bad-request"
    title: str = "Bad request"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        # Extra members of the problem object, e.g. {"inventoryState": "Assigned"}.
        self.extensions = extensions


class Conflict(DomainError):
    status = 409
    problem_type = "conflict"
    title = "Conflict with the current state"


class PreconditionFailed(DomainError):
    status = 412
    problem_type = "precondition-failed"
    title = "The resource has changed"
