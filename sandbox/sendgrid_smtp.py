"""SendGrid's SMTP relay (``smtp.sendgrid.net``), on its own loopback port next to the HTTP sandbox.

Like the relay: the user is the literal ``apikey`` and the password a live API key that holds
``mail.send`` (535 otherwise); the sender must be a verified single sender or on an authenticated
domain, the same check as ``/v3/mail/send`` (550 with SendGrid's message otherwise); accepted mail
is recorded, never delivered, with the API's mail (control API ``GET /_sandbox/sendgrid/mails``).
Stricter than SendGrid on purpose: the real relay also takes AUTH on a plain connection; this one
answers 530 to anything but EHLO/STARTTLS until STARTTLS (with the sandbox CA's certificate) has run,
so a rehearsal proves the app's STARTTLS setting and never sends a key in clear.
"""
from __future__ import annotations

import asyncio
import ssl
import sys
import threading
from email import message_from_bytes, policy
from email.utils import getaddresses, parseaddr
from typing import Any, Awaitable

from .redis_servers import TLSFiles
from .sendgrid import SENDER_IDENTITY_MESSAGE, SendGridAPI

try:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword
except ImportError:  # the sandbox runs without its relay; sandbox-up says so
    Controller = None  # type: ignore[assignment,misc]

HOSTNAME = "smtp.sandbox.launchkit.test"
AUTH_FAILED = "535 Authentication failed: Bad username / password"


def sender_of(content: bytes, envelope_sender: str | None) -> tuple[str, str | None]:
    """The From header's address (what SendGrid checks against the sender identities) and the subject;
    the envelope sender when the message has no From."""
    message = message_from_bytes(content, policy=policy.default)
    header = parseaddr(str(message.get("From", "")))[1]
    subject = message.get("Subject")
    return header or (envelope_sender or ""), str(subject) if subject is not None else None


class RelayHandler:
    """aiosmtpd's handler and authenticator, over the SendGrid vendor's state (under the sandbox lock)."""

    def __init__(self, sendgrid: SendGridAPI, lock: threading.RLock) -> None:
        self.sendgrid = sendgrid
        self.lock = lock

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False, message=AUTH_FAILED)
        username = auth_data.login.decode("utf-8", "replace")
        password = auth_data.password.decode("utf-8", "replace")
        with self.lock:
            accepted = self.sendgrid.smtp_login_ok(username, password)
        return AuthResult(success=accepted, handled=False, message=None if accepted else AUTH_FAILED)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        content = envelope.original_content or envelope.content or b""
        if isinstance(content, str):
            content = content.encode("utf-8")
        sender, subject = sender_of(content, envelope.mail_from)
        to = [address for _name, address in getaddresses(envelope.rcpt_tos)]
        with self.lock:
            allowed = self.sendgrid.record_mail(sender, to, subject, sandbox_mode=False, via="smtp")
        return "250 Ok: queued as sandbox" if allowed else f"550 {SENDER_IDENTITY_MESSAGE}"


class _Relay(Controller if Controller is not None else object):  # type: ignore[misc]
    """aiosmtpd's threaded controller; port 0 takes the port the kernel gives (read back after the bind)."""

    def _create_server(self) -> Awaitable[asyncio.AbstractServer]:
        async def bind() -> asyncio.AbstractServer:
            server = await self.loop.create_server(self._factory_invoker, host=self.hostname, port=self.port)
            self.port = server.sockets[0].getsockname()[1]
            return server

        return bind()


class SmtpRelay:
    """Start and stop the relay; ``address`` is (host, port) once it runs, None when it cannot run."""

    def __init__(self, sendgrid: SendGridAPI, lock: threading.RLock, tls: TLSFiles | None,
                 host: str = "127.0.0.1", port: int = 0) -> None:
        self.sendgrid, self.lock, self.tls = sendgrid, lock, tls
        self.host, self.port = host, port
        self.controller: Any = None

    @property
    def address(self) -> tuple[str, int] | None:
        return (self.host, self.controller.port) if self.controller is not None else None

    def why_not(self) -> str | None:
        """Why the relay cannot run here, None when it can."""
        if Controller is None:
            return "aiosmtpd is not installed (pip install -r requirements-dev.txt)"
        if self.tls is None:
            return "no TLS certificate (openssl not found): SendGrid's relay needs STARTTLS"
        return None

    def start(self) -> None:
        problem = self.why_not()
        if problem:
            print(f"sandbox: WARNING no SMTP relay: {problem}", file=sys.stderr, flush=True)
            return
        handler = RelayHandler(self.sendgrid, self.lock)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(self.tls.cert), str(self.tls.key))
        self.controller = _Relay(
            handler, hostname=self.host, port=self.port, server_hostname=HOSTNAME, ident="launchkit sandbox relay",
            tls_context=context, require_starttls=True, auth_required=True, auth_require_tls=True,
            authenticator=handler)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def describe(self) -> dict[str, Any] | None:
        """For the control API and sandbox-up.sh: where the relay listens."""
        address = self.address
        return {"host": address[0], "port": address[1]} if address else None
