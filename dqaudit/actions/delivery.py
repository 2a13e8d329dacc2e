"""``actions send``: email each owner their plan over SMTP, with TLS.

Host, port and sender come from the ``smtp`` section of dqaudit.yml; the username and
password only from the environment variables it names, and never appear in messages.
TLS (STARTTLS or implicit SSL) is required unless explicitly disabled for a test server.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from dqaudit.actions.export import PlanFile, build_plan, make_folder, owner_findings, record_plan
from dqaudit.errors import EngineError, InputError
from dqaudit.store import AuditStore
from dqaudit.workspace.action_settings import SmtpConfig
from dqaudit.workspace.config import Workspace

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@dataclass(frozen=True)
class Delivery:
    owner_email: str
    owner_name: str | None
    findings: int
    attachment: Path | None
    sent: bool


def send_action_plans(
    store: AuditStore,
    workspace: Workspace,
    out_dir: Path,
    *,
    owner: str | None = None,
    dry_run: bool = False,
) -> list[Delivery]:
    """Export each owner's plan into ``out_dir`` and email it; ``dry_run`` only lists."""
    config = workspace.config.smtp
    if dry_run:
        return _who_would_get_what(store, workspace, owner)
    sender = _check_config(config, workspace)
    credentials = _credentials(config)
    by_owner = owner_findings(store, workspace, owner)
    marking = workspace.config.actions.protective_marking
    deliveries = []
    with _connect(config) as smtp:  # connect and log in before anything is written
        if credentials:
            _login(smtp, config, *credentials)
        make_folder(out_dir)
        for email, rows in sorted(by_owner.items()):
            plan = build_plan(store, workspace, out_dir, email, rows)
            try:
                smtp.send_message(_message(plan, sender, marking))
            except (smtplib.SMTPException, OSError) as exc:
                raise EngineError(
                    f"SMTP server {config.host} did not take the plan for {email}: {exc}"
                ) from None
            record_plan(store, plan, action="send")  # recorded only once it has gone
            deliveries.append(Delivery(email, plan.owner_name, plan.findings, plan.path, True))
    return deliveries


def _who_would_get_what(
    store: AuditStore, workspace: Workspace, owner: str | None
) -> list[Delivery]:
    return [
        Delivery(email, rows[0].owner_name, len(rows), None, False)
        for email, rows in sorted(owner_findings(store, workspace, owner).items())
    ]


def _check_config(config: SmtpConfig, workspace: Workspace) -> str:
    where = workspace.config_path
    if not config.host:
        raise InputError(f"{where}: smtp.host is not set; say which SMTP server sends the plans")
    if not config.sender:
        raise InputError(f"{where}: smtp.sender is not set (the From address of the plans)")
    if config.ca_file and not Path(config.ca_file).is_file():
        raise InputError(f"{where}: smtp.ca_file {config.ca_file} does not exist")
    return config.sender


def _credentials(config: SmtpConfig) -> tuple[str, str] | None:
    if not config.username_env:
        return None
    username = os.environ.get(config.username_env)
    password = os.environ.get(config.password_env or "")
    if not username:
        raise InputError(f"smtp.username_env names {config.username_env}, which is not set")
    if config.password_env and password is None:
        raise InputError(f"smtp.password_env names {config.password_env}, which is not set")
    return username, password or ""


class _connect:
    """An SMTP session with TLS as configured; errors name the server, never a secret."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> smtplib.SMTP:
        config = self.config
        where = f"{config.host}:{config.port}"
        context = ssl.create_default_context(cafile=config.ca_file)
        try:
            if config.tls == "ssl":
                self.smtp = smtplib.SMTP_SSL(
                    config.host or "", config.port, timeout=config.timeout, context=context
                )
            else:
                self.smtp = smtplib.SMTP(config.host or "", config.port, timeout=config.timeout)
                if config.tls == "starttls":
                    self.smtp.starttls(context=context)
        except smtplib.SMTPNotSupportedError:
            self._close()
            raise EngineError(
                f"SMTP server {where} does not offer STARTTLS; TLS is required (set smtp.tls)"
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            self._close()
            raise EngineError(f"cannot reach SMTP server {where}: {exc}") from None
        return self.smtp

    def __exit__(self, *exc_info: Any) -> None:
        self._close()

    def _close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None


def _login(smtp: smtplib.SMTP, config: SmtpConfig, username: str, password: str) -> None:
    try:
        smtp.login(username, password)
    except smtplib.SMTPAuthenticationError:
        raise EngineError(f"SMTP server {config.host} refused the login of {username}") from None
    except smtplib.SMTPException as exc:
        text = str(exc).replace(password, "***") if password else str(exc)
        raise EngineError(f"SMTP login to {config.host} failed: {text}") from None


def _message(plan: PlanFile, sender: str, marking: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = f"[{marking}] Data quality action plan ({plan.findings} findings)"
    message["From"] = sender
    message["To"] = plan.owner_email
    message.set_content(
        f"{marking}\n\n"
        f"Dear {plan.owner_name or 'system owner'},\n\n"
        f"Attached is your data quality action plan ({plan.findings} findings from the "
        "records management team's audits). Please agree an action and a date for each "
        "finding in the yellow cells, and return the workbook to the records management "
        "team.\n\n"
        f"{marking}\n"
    )
    message.add_attachment(
        plan.path.read_bytes(), maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1], filename=plan.path.name
    )
    for overflow in plan.overflow_files:  # the full list of a sheet capped at Excel's limit
        message.add_attachment(
            overflow.read_bytes(), maintype="text", subtype="csv", filename=overflow.name
        )
    return message
