"""A mail server on 127.0.0.1 for the alert tests: speaks enough SMTP for ``smtplib`` and keeps each message."""

from __future__ import annotations

import base64
import socketserver
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage
    login: tuple[str, str] | None


@dataclass
class SmtpSink:
    """``with SmtpSink() as sink: ... sink.port ... sink.received``; AUTH PLAIN is accepted and recorded."""

    received: list[Received] = field(default_factory=list)
    port: int = 0

    def __enter__(self) -> SmtpSink:
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                sender, recipients, login = "", [], None
                self.wfile.write(b"220 gisync-test-sink ESMTP\r\n")
                for raw in self.rfile:
                    line = raw.decode("utf-8", "replace").rstrip("\r\n")
                    verb = line.split(" ", 1)[0].upper()
                    if verb == "EHLO":
                        self.wfile.write(b"250-gisync-test-sink\r\n250 AUTH PLAIN\r\n")
                    elif verb == "AUTH":
                        _, user, password = base64.b64decode(line.split()[-1]).split(b"\0")
                        login = (user.decode(), password.decode())
                        self.wfile.write(b"235 2.7.0 accepted\r\n")
                    elif verb == "MAIL":
                        sender = line.split(":", 1)[1].split()[0].strip("<>")
                        self.wfile.write(b"250 ok\r\n")
                    elif verb == "RCPT":
                        recipients.append(line.split(":", 1)[1].strip().strip("<>"))
                        self.wfile.write(b"250 ok\r\n")
                    elif verb == "DATA":
                        self.wfile.write(b"354 end with .\r\n")
                        body = b"".join(iter(self.rfile.readline, b".\r\n"))
                        # Stored the way a mailbox would: line ends back to \n, dot-stuffing undone.
                        body = body.replace(b"\r\n", b"\n").replace(b"\n..", b"\n.")
                        message: Any = message_from_bytes(body, policy=policy.default)
                        sink.received.append(Received(sender, recipients, message, login))
                        self.wfile.write(b"250 queued\r\n")
                    elif verb == "QUIT":
                        self.wfile.write(b"221 bye\r\n")
                        return
                    else:
                        self.wfile.write(b"250 ok\r\n")

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
