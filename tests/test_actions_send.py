"""Emailing plans, against a real SMTP server on 127.0.0.1 (aiosmtpd), with and without TLS."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.actions_fixtures import make_workspace, run
from tests.conftest import invoke


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.original_content)))
        return "250 OK"


def authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, data: Any
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and data.login == b"dq" and data.password == b"s3cret-pw"
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    folder = make_workspace(tmp_path / "ws")
    run(folder)
    return folder


def set_smtp(folder: Path, **smtp: Any) -> None:
    config = folder / "dqaudit.yml"
    settings = yaml.safe_load(config.read_text())
    settings["smtp"] = {"host": "127.0.0.1", "sender": "dq-audit@example.police.uk", **smtp}
    config.write_text(yaml.safe_dump(settings))


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_plans_are_emailed_to_each_owner(workspace: Path, tmp_path: Path) -> None:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        set_smtp(workspace, port=controller.port, tls="none", allow_insecure=True)
        dry = invoke("actions", "send", "--dry-run", "-w", str(workspace))
        assert dry.exit_code == 0
        assert (
            "would send custody.owner@example.police.uk (Custody Owner): 4 finding(s)" in dry.stdout
        )
        assert inbox.messages == []
        sent = invoke("actions", "send", "-w", str(workspace), "--out", str(tmp_path / "sent"))
        assert sent.exit_code == 0, sent.output
    finally:
        controller.stop()
    [(recipients, message)] = inbox.messages
    assert recipients == ["custody.owner@example.police.uk"]
    assert message["Subject"].startswith("[OFFICIAL-SENSITIVE] Data quality action plan")
    [attachment] = [part for part in message.walk() if part.get_filename()]
    assert attachment.get_filename().endswith(".xlsx")
    [saved] = sorted((tmp_path / "sent").glob("*.xlsx"))
    assert attachment.get_payload(decode=True) == saved.read_bytes()


def test_tls_is_required_unless_explicitly_disabled(workspace: Path) -> None:
    set_smtp(workspace, port=2525, tls="none")
    result = invoke("actions", "send", "-w", str(workspace))
    assert result.exit_code == 2
    assert "smtp: tls: none sends plans unencrypted" in result.stderr
    assert "allow_insecure: true" in result.stderr
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        set_smtp(workspace, port=controller.port)  # starttls by default; this server has none
        refused = invoke("actions", "send", "-w", str(workspace))
    finally:
        controller.stop()
    assert refused.exit_code == 3
    assert "does not offer STARTTLS; TLS is required" in refused.stderr
    assert inbox.messages == []


def test_starttls_and_login_with_credentials_from_the_environment(
    workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=context,
        require_starttls=True,
        authenticator=authenticator,
        auth_require_tls=True,
        auth_exclude_mechanism=["LOGIN"],
    )
    controller.start()
    try:
        set_smtp(
            workspace,
            port=controller.port,
            ca_file=str(cert),
            username_env="DQ_SMTP_USER",
            password_env="DQ_SMTP_PASSWORD",
            timeout=10,
        )
        missing = invoke("actions", "send", "-w", str(workspace))
        assert missing.exit_code == 2 and "DQ_SMTP_USER, which is not set" in missing.stderr
        monkeypatch.setenv("DQ_SMTP_USER", "dq")
        monkeypatch.setenv("DQ_SMTP_PASSWORD", "wrong-password-9")
        wrong = invoke("actions", "send", "-w", str(workspace), "--out", str(tmp_path / "a"))
        assert wrong.exit_code == 3 and "refused the login of dq" in wrong.stderr
        assert "wrong-password-9" not in wrong.stderr + wrong.stdout
        monkeypatch.setenv("DQ_SMTP_PASSWORD", "s3cret-pw")
        sent = invoke("actions", "send", "-w", str(workspace), "--out", str(tmp_path / "b"))
        assert sent.exit_code == 0, sent.output
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
    assert "s3cret-pw" not in (workspace / "dqaudit.yml").read_text()


def test_a_failed_send_records_no_plan(workspace: Path, tmp_path: Path) -> None:
    import sqlalchemy as sa

    from dqaudit.store import schema
    from dqaudit.store.database import AuditStore
    from dqaudit.workspace.config import load_workspace

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        set_smtp(workspace, port=controller.port)  # STARTTLS required; this server has none
        result = invoke("actions", "send", "-w", str(workspace), "--out", str(tmp_path / "x"))
    finally:
        controller.stop()
    assert result.exit_code == 3
    store = AuditStore(load_workspace(workspace).store_url)
    with store.engine.connect() as connection:
        plans = connection.execute(
            sa.select(sa.func.count()).select_from(schema.action_plans)
        ).scalar()
    store.close()
    assert plans == 0
