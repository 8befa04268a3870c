"""E-mail over SMTP (smtplib): UTF-8 subject and body, STARTTLS when CCHC_SMTP_STARTTLS is set, login when a user
is configured. The message id is the provider's reference."""

from __future__ import annotations

import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from cchc import config
from cchc.notifications.channels import DeliveryFailed, NotConfigured, Outgoing

TIMEOUT = 20


def tls_context() -> ssl.SSLContext:
    """STARTTLS verifies the server's certificate and name against the system's roots (smtplib alone would not)."""
    return ssl.create_default_context()


def send(message: Outgoing, settings: config.Settings | None = None) -> str:
    s = settings or config.settings
    if not (s.smtp_host and s.smtp_from):
        raise NotConfigured("Chưa cấu hình máy chủ thư (CCHC_SMTP_HOST, CCHC_SMTP_FROM).")
    email = EmailMessage()
    email["From"] = formataddr(("Hệ thống một cửa", s.smtp_from), charset="utf-8")
    email["To"] = message.address
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False, usegmt=True)
    domain = s.smtp_from.rpartition("@")[2] or None
    email["Message-ID"] = make_msgid(idstring=f"cchc{message.id}", domain=domain)
    email["X-CCHC-Notification"] = str(message.id)
    email.set_content(message.body, charset="utf-8")
    try:
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=TIMEOUT) as smtp:
            if s.smtp_starttls:
                smtp.starttls(context=tls_context())
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password)
            smtp.send_message(email)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = ", ".join(f"{code} {text.decode(errors='replace')}" for code, text in exc.recipients.values())
        raise DeliveryFailed(f"Máy chủ thư từ chối địa chỉ {message.address}: {codes}", permanent=True) from exc
    except smtplib.SMTPResponseException as exc:
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        # 5xx: the server will not take this message; 4xx: try again later
        raise DeliveryFailed(f"Máy chủ thư trả lời {exc.smtp_code} {text}", permanent=500 <= exc.smtp_code < 600) from exc
    except (smtplib.SMTPException, OSError, socket.timeout) as exc:  # ssl.SSLError is an OSError
        raise DeliveryFailed(f"Không gửi được thư qua {s.smtp_host}:{s.smtp_port}: {exc}", permanent=False) from exc
    return email["Message-ID"]
