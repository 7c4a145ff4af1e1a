#!/usr/bin/python3
"""A local SMTP sink for tests: stores each accepted message and logs what clients did.

Run it with Debian's /usr/bin/python3 (it needs python3-aiosmtpd). Example:

    /usr/bin/python3 scripts/smtp-listener.py --port 0 --port-file DIR/port --out DIR \\
        --tls --require-starttls --auth user:secret --reply 'fail@.*=451'

DIR/new/<n>.eml holds message n (written atomically); DIR/events.log gets one line per event:
"connect", "starttls", "auth USER", "accepted <n> <rcpt>", "rejected <code> <rcpt>".
With --tls, DIR/ca.pem is the certificate clients must trust (self-signed, 127.0.0.1/localhost).
"""
import argparse
import asyncio
import logging
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult


class Sink:
    """The aiosmtpd handler: applies --reply rules, stores messages, logs events."""

    def __init__(self, out, replies, pipelining):
        self.out = out
        self.replies = replies
        self.pipelining = pipelining
        os.makedirs(os.path.join(out, "new"), exist_ok=True)
        os.makedirs(os.path.join(out, "tmp"), exist_ok=True)
        # Continue the numbering of a previous run on the same folder (a restarted listener).
        self.count = len(os.listdir(os.path.join(out, "new")))

    def event(self, line):
        with open(os.path.join(self.out, "events.log"), "a", encoding="utf-8") as log:
            log.write(line + "\n")

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        # aiosmtpd reads commands one by one from its stream, so pipelined commands (RFC 2920)
        # work; advertise it so that clients use it, unless --no-pipelining.
        session.host_name = hostname
        if self.pipelining:
            responses.insert(len(responses) - 1, "250-PIPELINING")
        return responses

    def handle_STARTTLS(self, server, session, envelope):
        self.event("starttls")
        return True

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        for pattern, code in self.replies:
            if pattern.search(address):
                self.event(f"rejected {code} {address}")
                status = "4.2.0" if code.startswith("4") else "5.1.1"
                return f"{code} {status} <{address}>: refused by the test listener"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        n = self.count
        tmp = os.path.join(self.out, "tmp", f"{n}.eml")
        with open(tmp, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(tmp, os.path.join(self.out, "new", f"{n}.eml"))
        for rcpt in envelope.rcpt_tos:
            self.event(f"accepted {n} {rcpt}")
        return f"250 2.0.0 OK: queued as {n}"


def make_certificate(out):
    """A self-signed certificate for 127.0.0.1 and localhost, kept across restarts."""
    key, cert = os.path.join(out, "key.pem"), os.path.join(out, "cert.pem")
    if not (os.path.exists(key) and os.path.exists(cert)):
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-keyout", key, "-out", cert, "-days", "7", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.copyfile(cert, os.path.join(out, "ca.pem"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def write_atomically(path, text):
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write(text)
    os.rename(path + ".tmp", path)


def parse_arguments():
    parser = argparse.ArgumentParser(description="SMTP sink for imuse-admin tests")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free port (see --port-file)")
    parser.add_argument("--port-file", help="written with the bound port once the listener is ready")
    parser.add_argument("--out", required=True, help="folder for new/<n>.eml and events.log")
    parser.add_argument("--tls", action="store_true", help="offer STARTTLS (writes OUT/ca.pem)")
    parser.add_argument("--require-starttls", action="store_true", help="answer 530 to MAIL before STARTTLS")
    parser.add_argument("--implicit-tls", action="store_true", help="TLS from the first byte, like port 465")
    parser.add_argument("--auth", metavar="USER:PASS", help="require AUTH PLAIN or LOGIN with these credentials")
    parser.add_argument("--reply", action="append", default=[], metavar="RCPT_REGEX=CODE",
                        help="answer CODE (e.g. 451, 550) to RCPT TO addresses matching the regex")
    parser.add_argument("--no-pipelining", action="store_true",
                        help="do not advertise PIPELINING (clients then wait for each reply)")
    parser.add_argument("--pid-file")
    args = parser.parse_args()
    replies = []
    for rule in args.reply:
        pattern, _, code = rule.rpartition("=")
        if not pattern or not re.fullmatch(r"[45]\d\d", code):
            parser.error(f"--reply {rule}: expected RCPT_REGEX=CODE with a 4xx or 5xx code")
        replies.append((re.compile(pattern), code))
    return args, replies


def main():
    args, replies = parse_arguments()
    # aiosmtpd logs its own deprecations on every AUTH and a traceback for every client that
    # refuses the certificate (which tests do on purpose): noise in test output.
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
    os.makedirs(args.out, exist_ok=True)
    sink = Sink(args.out, replies, not args.no_pipelining)
    context = make_certificate(args.out) if (args.tls or args.implicit_tls) else None
    user, _, password = (args.auth or "").partition(":")

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login.decode() == user and auth_data.password.decode() == password
        if ok:
            sink.event(f"auth {user}")
        return AuthResult(success=ok)

    def new_connection():
        sink.event("connect")
        return SMTP(
            sink,
            hostname="smtp-listener.test",
            tls_context=context if args.tls and not args.implicit_tls else None,
            require_starttls=args.require_starttls,
            authenticator=authenticate if args.auth else None,
            auth_required=bool(args.auth),
            # aiosmtpd only counts STARTTLS as TLS; with implicit TLS the session already is.
            auth_require_tls=bool(args.tls and not args.implicit_tls),
        )

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(
        new_connection, args.host, args.port, ssl=context if args.implicit_tls else None))
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if args.pid_file:
        write_atomically(args.pid_file, f"{os.getpid()}\n")
    if args.port_file:
        write_atomically(args.port_file, f"{server.sockets[0].getsockname()[1]}\n")
    loop.run_until_complete(stop.wait())
    server.close()
    loop.run_until_complete(server.wait_closed())
    loop.close()
    if args.pid_file and os.path.exists(args.pid_file):
        os.unlink(args.pid_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
