"""The connector's exceptions.

Every message names what failed and what to do about it, and never contains a secret
(password, token, MFA code, client secret): callers build messages from usernames, paths,
status codes and the API's stable error codes only.
"""

from __future__ import annotations


class CoconstructError(Exception):
    """Base class for every error raised by the connector."""


class AuthenticationError(CoconstructError):
    """Bad username/password, locked account, or an OAuth refresh token refused."""


class MfaError(AuthenticationError):
    """MFA code refused, no code provider configured, or the challenge expired."""


class SessionError(AuthenticationError):
    """The session is gone: refresh refused and the re-login failed too, or revoked."""


class PermissionDenied(CoconstructError):
    """403: the account's role may not see this path."""

    def __init__(self, path: str, code: str | None = None, message: str | None = None) -> None:
        self.path = path
        self.code = code
        super().__init__(
            message
            or f"permission denied on {path} ({code or 'forbidden'}): the account's role may not "
            "read it; use an account with access or leave this resource out"
        )


class ApiError(CoconstructError):
    """A non-retryable HTTP status (or retries exhausted) on a path."""

    def __init__(self, status: int, path: str, code: str | None = None, detail: str | None = None) -> None:
        self.status = status
        self.code = code
        self.path = path
        text = f"API answered {status}"
        if code:
            text += f" ({code})"
        text += f" on {path}"
        if detail:
            text += f": {detail}"
        super().__init__(text)


class MalformedResponse(CoconstructError):
    """A body that is not the JSON expected (truncated, HTML, wrong shape) after retries."""

    def __init__(self, path: str, detail: str) -> None:
        self.path = path
        super().__init__(f"malformed response from {path}: {detail}")
