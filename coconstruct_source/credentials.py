"""dlt configspecs for the CoConstruct credentials (a union, like the zendesk/salesforce
verified sources): username + password with optional MFA, or an OAuth2 refresh token.

dlt resolves them at `sources.coconstruct.credentials.*` (the source's `credentials`
argument). `resolve_flat_credentials` also accepts the flat form `sources.coconstruct.*`
(e.g. SOURCES__COCONSTRUCT__USERNAME) for the password flow.
"""

from __future__ import annotations

from typing import ClassVar, Final, Literal, Union, get_args

from dlt.common.configuration import configspec, resolve_configuration
from dlt.common.configuration.exceptions import ConfigFieldMissingException
from dlt.common.configuration.specs import CredentialsConfiguration
from dlt.common.typing import TSecretStrValue

from coconstruct_source.errors import AuthenticationError

MfaMethod = Literal["none", "totp", "sms", "email"]
MFA_METHODS: Final = get_args(MfaMethod)
SOURCE_SECTIONS: Final = ("sources", "coconstruct")


@configspec
class PasswordMfaCredentials(CredentialsConfiguration):
    """Log in with username + password; answer an MFA challenge if the account has one."""

    username: str = None
    password: TSecretStrValue = None
    mfa_method: str = "none"
    totp_secret: TSecretStrValue | None = None
    # For sms/email: the env var holding the code, or a command printing it on stdout.
    mfa_code_env: str | None = None
    mfa_code_command: str | None = None

    __config_gen_annotations__: ClassVar[list[str]] = ["mfa_method", "totp_secret"]

    def on_resolved(self) -> None:
        if self.mfa_method not in MFA_METHODS:
            raise AuthenticationError(
                f"mfa_method must be one of {', '.join(MFA_METHODS)}, not {self.mfa_method!r}; "
                "fix [sources.coconstruct.credentials] mfa_method"
            )

    @property
    def identity(self) -> str:
        """Who logs in (not secret): keys the session cache."""
        return self.username


@configspec
class OAuthRefreshTokenCredentials(CredentialsConfiguration):
    """OAuth2 refresh-token grant (`POST /oauth/token`); refresh tokens rotate."""

    client_id: str = None
    client_secret: TSecretStrValue = None
    refresh_token: TSecretStrValue = None

    @property
    def identity(self) -> str:
        return f"oauth:{self.client_id}"


@configspec
class _FlatPasswordMfaCredentials(PasswordMfaCredentials):
    """The same fields, looked up directly under the source section (no `credentials`)."""

    __section__: ClassVar[str] = None


TCoconstructCredentials = Union[PasswordMfaCredentials, OAuthRefreshTokenCredentials]  # noqa: UP007


def resolve_flat_credentials(sections: tuple[str, ...] = SOURCE_SECTIONS) -> PasswordMfaCredentials:
    """Resolve password credentials from the flat keys `sources.coconstruct.username`, ...

    Raises AuthenticationError naming the missing keys (never their values).
    """
    try:
        return resolve_configuration(_FlatPasswordMfaCredentials(), sections=sections)
    except ConfigFieldMissingException as exc:
        missing = ", ".join(exc.fields)
        raise AuthenticationError(
            f"CoConstruct credentials missing: {missing}. Set them in .dlt/secrets.toml under "
            "[sources.coconstruct.credentials] (or [sources.coconstruct]) or as env vars "
            "SOURCES__COCONSTRUCT__CREDENTIALS__USERNAME, ..."
        ) from None
