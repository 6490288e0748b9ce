"""Outgoing mail reaches a real SMTP server (aiosmtpd) in each form SMTP_URL promises:
STARTTLS on the submission port and implicit TLS (SMTPS), both with a login, the server's
certificate verified against SMTP_CA_FILE (a CA made in the test)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from shared.config import load_settings
from shared.mail import MailSender, MailSendError
from tests.helpers.server import free_port

USER, PASSWORD = "relay@openkrakow.example", "p@ss:wo/rd+1%"  # characters a URL must escape
MESSAGE = (
    b"From: no-reply@openkrakow.local\r\nTo: ala@example.org\r\nSubject: test\r\n"
    b"Message-ID: <m1@openkrakow.local>\r\n\r\nDzie\xc5\x84 dobry\r\n"
)


@dataclass
class Received:
    """What the server saw: each message with whether TLS was on and who logged in."""

    messages: list[dict[str, Any]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(
            {
                "tls": server.transport.get_extra_info("ssl_object") is not None,
                "login": session.auth_data.login.decode() if session.authenticated else None,
                "to": envelope.rcpt_tos,
                "body": envelope.original_content,
            }
        )
        return "250 OK"


def check_login(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any):  # noqa: ANN201
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False, auth_data=auth_data)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ssl.SSLContext]:
    """A CA of the test's own and a server certificate for 127.0.0.1 signed by it."""
    folder = tmp_path_factory.mktemp("tls")
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "openkrakow test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, cert_file, key_file = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert_file, key_file)
    return ca_file, server_tls


@pytest.fixture
def starttls_server(certificates: tuple[Path, ssl.SSLContext]) -> Iterator[tuple[int, Received]]:
    """A submission server: plain until STARTTLS, which it requires before AUTH and mail."""
    received, port = Received(), free_port()
    controller = Controller(
        received,
        hostname="127.0.0.1",
        port=port,
        tls_context=certificates[1],
        require_starttls=True,
        authenticator=check_login,
        auth_require_tls=True,
        auth_required=True,
    )
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()


@pytest.fixture
def smtps_server(certificates: tuple[Path, ssl.SSLContext]) -> Iterator[tuple[int, Received]]:
    """A server speaking TLS from the first byte (port 465 style)."""
    received, port = Received(), free_port()
    controller = Controller(
        received,
        hostname="127.0.0.1",
        port=port,
        ssl_context=certificates[1],
        authenticator=check_login,
        auth_required=True,
        # aiosmtpd counts only STARTTLS as TLS for AUTH; this connection is TLS from its start
        # (the handler records the TLS transport to prove it).
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()


def sender(
    monkeypatch: pytest.MonkeyPatch, url: str, ca_file: Path | None, tmp_path: Path
) -> MailSender:
    """The MailSender the runtime builds from SMTP_URL and SMTP_CA_FILE."""
    monkeypatch.setenv("SMTP_URL", url)
    if ca_file:
        monkeypatch.setenv("SMTP_CA_FILE", str(ca_file))
    else:
        monkeypatch.delenv("SMTP_CA_FILE", raising=False)
    s = load_settings(data_dir=tmp_path)
    return MailSender(s.smtp_url, s.mail_dir, s.mail_from, ca_file=s.smtp_ca_file)


def url(scheme: str, port: int, password: str = PASSWORD) -> str:
    return f"{scheme}://{quote(USER, safe='')}:{quote(password, safe='')}@127.0.0.1:{port}"


async def test_mail_goes_through_starttls_with_a_login(
    starttls_server: tuple[int, Received],
    certificates: tuple[Path, ssl.SSLContext],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    port, received = starttls_server
    mailer = sender(monkeypatch, url("smtp+starttls", port), certificates[0], tmp_path)
    await mailer.deliver("ala@example.org", MESSAGE, "<m1@openkrakow.local>")
    assert received.messages == [
        {"tls": True, "login": USER, "to": ["ala@example.org"], "body": MESSAGE}
    ]


async def test_mail_goes_through_smtps_with_a_login(
    smtps_server: tuple[int, Received],
    certificates: tuple[Path, ssl.SSLContext],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    port, received = smtps_server
    mailer = sender(monkeypatch, url("smtps", port), certificates[0], tmp_path)
    await mailer.deliver("ala@example.org", MESSAGE, "<m1@openkrakow.local>")
    assert received.messages == [
        {"tls": True, "login": USER, "to": ["ala@example.org"], "body": MESSAGE}
    ]


async def test_an_untrusted_certificate_or_a_wrong_password_delivers_nothing(
    starttls_server: tuple[int, Received],
    smtps_server: tuple[int, Received],
    certificates: tuple[Path, ssl.SSLContext],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """The certificate is verified (a CA the system does not know is refused without
    SMTP_CA_FILE), and a refused login is a failure to retry, not a silent success."""
    (starttls_port, on_starttls), (smtps_port, on_smtps) = starttls_server, smtps_server
    for attempt in (
        (url("smtp+starttls", starttls_port), None, "CERTIFICATE_VERIFY_FAILED"),
        (url("smtps", smtps_port), None, "CERTIFICATE_VERIFY_FAILED"),
        (url("smtps", smtps_port, "wrong"), certificates[0], "535"),
        # Plain SMTP to a server that offers AUTH only after STARTTLS: no password in clear.
        (url("smtp", starttls_port), certificates[0], "AUTH extension not supported"),
    ):
        link, ca_file, reason = attempt
        mailer = sender(monkeypatch, link, ca_file, tmp_path)
        with pytest.raises(MailSendError, match=reason):
            await mailer.deliver("ala@example.org", MESSAGE, "<m1@openkrakow.local>")
    assert on_starttls.messages == on_smtps.messages == []


def test_a_missing_ca_file_is_refused_with_its_name(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SMTP_CA_FILE", str(tmp_path / "nowhere.pem"))
    with pytest.raises(ValueError, match="SMTP_CA_FILE"):
        load_settings(data_dir=tmp_path)
