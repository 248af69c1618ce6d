"""MFA code providers: TOTP from the user's secret, an env var, a command, or a callable.

A provider is called with the challenge's method ("totp", "sms", "email") and the masked
destination the code went to, and returns the 6-digit code. Codes are never logged.
"""

from __future__ import annotations

import binascii
import os
import shlex
import subprocess
from collections.abc import Callable

import pyotp

from coconstruct_source.credentials import PasswordMfaCredentials
from coconstruct_source.errors import MfaError

MfaCodeProvider = Callable[[str, str | None], str]

COMMAND_TIMEOUT_S = 120.0


def totp_code(secret: str) -> str:
    """The current TOTP code for a base32 secret; MfaError if the secret is not base32."""
    try:
        return pyotp.TOTP(secret.replace(" ", "").upper()).now()
    except (binascii.Error, ValueError, TypeError):
        raise MfaError(
            "totp_secret is not a valid TOTP secret (base32, at least 112 bits); copy it again from the "
            "authenticator set-up page into [sources.coconstruct.credentials] totp_secret"
        ) from None


def totp_code_provider(secret: str) -> MfaCodeProvider:
    return lambda method, hint: totp_code(secret)


def env_code_provider(var: str) -> MfaCodeProvider:
    """Reads the code from environment variable `var` when asked."""

    def provide(method: str, hint: str | None) -> str:
        code = os.environ.get(var, "").strip()
        if not code:
            raise MfaError(
                f"MFA ({method}) needs a code but environment variable {var} is empty; "
                f"set it to the code sent to {hint or 'the account'} and run again"
            )
        return code

    return provide


def command_code_provider(cmd: str) -> MfaCodeProvider:
    """Runs `cmd` (argv split by shlex) with COCONSTRUCT_MFA_METHOD / _HINT set; stdout is the code."""

    def provide(method: str, hint: str | None) -> str:
        env = {**os.environ, "COCONSTRUCT_MFA_METHOD": method, "COCONSTRUCT_MFA_HINT": hint or ""}
        try:
            done = subprocess.run(
                shlex.split(cmd), capture_output=True, text=True, env=env,
                timeout=COMMAND_TIMEOUT_S, check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise MfaError(f"MFA code command could not run ({type(exc).__name__}); check mfa_code_command") from None
        code = done.stdout.strip()
        if done.returncode != 0 or not code:
            raise MfaError(
                f"MFA code command exited with {done.returncode} and "
                f"{'no code' if not code else 'output'}; check mfa_code_command"
            )
        return code

    return provide


def resolve_code_provider(
    credentials: PasswordMfaCredentials, override: MfaCodeProvider | None = None
) -> MfaCodeProvider:
    """One provider for whatever the server challenges with.

    TOTP challenges use `totp_secret` when set; otherwise (and for sms/email) the override
    callable, then `mfa_code_env`, then `mfa_code_command`; with none of them, MfaError.
    """
    fallback: MfaCodeProvider | None = override
    if fallback is None and credentials.mfa_code_env:
        fallback = env_code_provider(credentials.mfa_code_env)
    if fallback is None and credentials.mfa_code_command:
        fallback = command_code_provider(credentials.mfa_code_command)
    secret = credentials.totp_secret

    def provide(method: str, hint: str | None) -> str:
        if method == "totp" and secret:
            return totp_code(secret)
        if fallback is None:
            what = "totp_secret" if method == "totp" else "mfa_code_env or mfa_code_command"
            raise MfaError(
                f"the account asks for an MFA code by {method} but no code provider is set; "
                f"configure {what} in [sources.coconstruct.credentials] or pass mfa_code_provider"
            )
        return fallback(method, hint)

    return provide
