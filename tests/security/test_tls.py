"""TLS verification is on by default: a server with a certificate nobody vouched for is
refused; given its CA bundle, the same server is accepted. The run's client never turns it off."""

from __future__ import annotations

import datetime as dt
import http.server
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from coconstruct_source.errors import CoconstructError
from coconstruct_source.http import ApiClient, HttpSettings
from coconstruct_source.source import open_client


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class _Company(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"id": 1, "slug": "tls"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    cert, key = _self_signed(tmp_path)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Company)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}", cert
    server.shutdown()
    server.server_close()


def test_unknown_certificate_is_refused_by_default(tls_server: tuple[str, Path]) -> None:
    url, _ = tls_server
    with ApiClient(url, None, HttpSettings(max_retries=0)) as client, \
            pytest.raises(CoconstructError, match="ConnectError"):
        client.get("/company")


def test_the_users_ca_bundle_is_trusted(tls_server: tuple[str, Path]) -> None:
    url, cert = tls_server
    with ApiClient(url, None, HttpSettings(max_retries=0, verify=str(cert))) as client:
        assert client.get("/company")["slug"] == "tls"


def test_the_runs_client_verifies_certificates() -> None:
    """open_client (what a pipeline run uses) keeps the default: verification on."""
    from coconstruct_source.credentials import PasswordMfaCredentials

    creds = PasswordMfaCredentials(username="u", password="p")
    client = open_client("https://example.invalid", creds, session_cache=False)
    try:
        assert client.settings.verify is True
        context = client._client._transport._pool._ssl_context
        assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    finally:
        client.close()


def test_a_ca_bundle_from_config_reaches_the_runs_client(
    tls_server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from coconstruct_source.credentials import PasswordMfaCredentials

    url, cert = tls_server
    monkeypatch.setenv("SOURCES__COCONSTRUCT__CA_BUNDLE", str(cert))
    client = open_client(url, PasswordMfaCredentials(username="u", password="p"),
                         session_cache=False)
    try:
        assert client.settings.verify == str(cert)
    finally:
        client.close()
