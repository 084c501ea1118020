"""E-mail through SMTP with STARTTLS (smtplib); attachments go in one MIME message built by EmailMessage."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from homa_desk.domain.notifications import Channel
from homa_desk.gateways.messaging import Outgoing, SendError


class SmtpEmail:
    channel = Channel.EMAIL

    def __init__(self, host: str, port: int, sender: str, *, user: str | None = None, password: str | None = None,
                 starttls: bool = True, ssl_context: ssl.SSLContext | None = None, timeout: float = 15.0) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._user = user
        self._password = password
        self._starttls = starttls
        self._context = ssl_context
        self._timeout = timeout

    def build(self, message: Outgoing) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self._sender
        mail["To"] = message.recipient
        mail["Subject"] = message.subject
        mail["Message-ID"] = make_msgid(domain=self._sender.rpartition("@")[2] or None)
        mail.set_content(message.body)
        for attachment in message.attachments:
            maintype, _, subtype = attachment.mime_type.partition("/")
            mail.add_attachment(attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename)
        return mail

    def send(self, message: Outgoing) -> str | None:
        mail = self.build(message)
        try:
            self._deliver(mail)
        except smtplib.SMTPAuthenticationError as error:
            raise SendError(f"The mail server refused the sign-in ({error.smtp_code})", retry_safe=False) from None
        except smtplib.SMTPRecipientsRefused:
            raise SendError("The mail server refused the recipient", retry_safe=False) from None
        except smtplib.SMTPResponseException as error:
            text = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else ""
            raise SendError(f"The mail server answered {error.smtp_code}: {text[:200]}",
                            retry_safe=400 <= error.smtp_code < 500) from None
        except smtplib.SMTPNotSupportedError:
            raise SendError("The mail server does not offer STARTTLS", retry_safe=False) from None
        except ssl.SSLError as error:
            raise SendError(f"TLS with the mail server failed ({error.reason})", retry_safe=False) from None
        except (OSError, smtplib.SMTPException) as error:
            raise SendError(f"The mail server is unreachable ({type(error).__name__})", retry_safe=True) from None
        return str(mail["Message-ID"])

    def _deliver(self, mail: EmailMessage) -> None:
        smtp = smtplib.SMTP(self._host, self._port, timeout=self._timeout)
        try:
            smtp.ehlo()
            if self._starttls:
                smtp.starttls(context=self._context or ssl.create_default_context())
                smtp.ehlo()
            if self._user:
                smtp.login(self._user, self._password or "")
            smtp.send_message(mail)
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()  # the server hung up first; the answer that matters was already raised or received
