"""``rcrp-tui serve``: the app in a web browser, through textual-serve.

Every browser tab that opens the page gets its own ``rcrp-tui`` process on this server,
started on the sign-in screen: nobody shares a sign-in, and a session that presses no key
for ``--idle-minutes`` is signed out (the app's own idle sign-out, ``ui.shell.app``). The
processes open the database this command was given; its URL reaches them in their
environment (``RCRP_DATABASE_URL``), not on their command line, where any user of the
server could read a PostgreSQL password with ``ps``.

textual-serve has no authentication of its own: the app's sign-in is the only gate. So
this command binds 127.0.0.1 unless told otherwise (``--allow-remote``), answers only
requests addressed to its own address (a DNS-rebinding page cannot reach it), refuses a
WebSocket opened by another site's page, and starts at most ``--max-sessions`` processes.
docs/serve.md says what that does and does not protect.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import shlex
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from rcrp_tui.cli.database import database_url_from, default_url, open_database

if TYPE_CHECKING:  # textual-serve and aiohttp load only when serving
    from aiohttp import web

DEFAULT_PORT = 8000
DEFAULT_IDLE_MINUTES = 15
DEFAULT_MAX_SESSIONS = 20
#: The page sent to browsers (textual-serve's, its font served from here).
PAGE_FOLDER = Path(__file__).parent / "serve_page"
TITLE = "RCRP decision QA"


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1); any other name
    or address reaches, or may reach, other machines."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _is_wildcard(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        return False


def _url_host(host: str) -> str:
    """``host`` as it is written in a URL (an IPv6 address in brackets)."""
    bare = host.strip("[]")
    try:
        is_v6 = ipaddress.ip_address(bare).version == 6
    except ValueError:
        return host
    return f"[{bare}]" if is_v6 else bare


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number from 1 to 65535")
    return port


def _idle_minutes(text: str) -> int:
    from rcrp_tui.settings import MAX_IDLE_MINUTES

    try:
        minutes = int(text)
    except ValueError:
        minutes = 0
    if not 1 <= minutes <= MAX_IDLE_MINUTES:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a whole number of minutes from 1 to {MAX_IDLE_MINUTES} "
            "(a served session always signs out when idle)"
        )
    return minutes


def _max_sessions(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        count = 0
    if not 1 <= count <= 1000:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of sessions from 1 to 1000")
    return count


def _public_url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an address like https://qa.force.example (http or https, "
            "with a host name)"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise argparse.ArgumentTypeError(
            f"{text!r} has a path; serve the app at the root of its own host name"
        )
    return f"{parts.scheme}://{parts.netloc}"


def add_serve_parser(sub: Any, add_database: Callable[[argparse.ArgumentParser], None]) -> None:
    serve = sub.add_parser(
        "serve",
        help="serve the app to web browsers (textual-serve): each browser tab is its own "
        "app process with its own sign-in; see docs/serve.md",
        description="Serve the app to web browsers. Each browser tab runs its own app "
        "process on this machine, signs in like a terminal and is signed out when idle. "
        "There is no other authentication: read docs/serve.md before serving beyond this "
        "machine.",
    )
    add_database(serve)
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only); any other "
        "needs --allow-remote",
    )
    serve.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})"
    )
    serve.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow an address other machines can reach (put a TLS reverse proxy in front: "
        "docs/serve.md)",
    )
    serve.add_argument(
        "--public-url",
        type=_public_url,
        metavar="URL",
        help="the address browsers use, e.g. https://qa.force.example behind a TLS reverse "
        "proxy (default: http://HOST:PORT); requests for any other host are refused",
    )
    serve.add_argument(
        "--idle-minutes",
        type=_idle_minutes,
        default=DEFAULT_IDLE_MINUTES,
        metavar="N",
        help=f"sign a session out after N minutes without a key press (default "
        f"{DEFAULT_IDLE_MINUTES})",
    )
    serve.add_argument(
        "--max-sessions",
        type=_max_sessions,
        default=DEFAULT_MAX_SESSIONS,
        metavar="N",
        help=f"at most N browser sessions (app processes) at once (default {DEFAULT_MAX_SESSIONS})",
    )
    serve.set_defaults(func=cmd_serve)


def session_command(idle_minutes: int) -> str:
    """The shell command textual-serve runs for each browser session."""
    return shlex.join([sys.executable, "-m", "rcrp_tui", "--idle-minutes", str(idle_minutes)])


def public_url_for(host: str, port: int, given: str | None) -> str:
    if given:
        return given
    return f"http://{_url_host(host)}:{port}"


def allowed_hosts(public_url: str) -> frozenset[tuple[str, int]]:
    """The (host, port) pairs a request may be addressed to: the public URL's, and for a
    loopback address every name of this machine's loopback at that port."""
    parts = urlsplit(public_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = (parts.hostname or "").lower()
    hosts = {host}
    if is_loopback(host):
        hosts |= {"127.0.0.1", "localhost", "::1"}
    return frozenset((h, port) for h in hosts)


def _host_port(netloc: str, scheme: str) -> tuple[str, int] | None:
    """``netloc`` (a Host header, or an Origin's) as (host, port); None if malformed."""
    try:
        parts = urlsplit(f"{scheme}://{netloc}")
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return parts.hostname.lower(), port


def request_refusal(
    allowed: frozenset[tuple[str, int]],
    public_url: str,
    *,
    host: str | None,
    origin: str | None,
    websocket: bool,
) -> str | None:
    """Why a request must be refused, or None. ``host``: its Host header; ``origin``: its
    Origin header (a browser sends one with every WebSocket)."""
    scheme = urlsplit(public_url).scheme
    if host is None or _host_port(host, scheme) not in allowed:
        return f"This server answers only at {public_url}."
    if websocket and origin is not None:
        origin_parts = urlsplit(origin)
        if origin_parts.scheme not in ("http", "https") or (
            _host_port(origin_parts.netloc, origin_parts.scheme) not in allowed
        ):
            return f"Only the page at {public_url} may open a session."
    return None


def cmd_serve(args: argparse.Namespace) -> int:
    host: str = args.host
    if not is_loopback(host) and not args.allow_remote:
        raise ValueError(
            f"{host} can be reached from other machines, and the app's sign-in is the only "
            "gate to it: give --allow-remote to serve there anyway, behind a TLS reverse "
            "proxy (docs/serve.md). Nothing was started."
        )
    if _is_wildcard(host) and not args.public_url:
        raise ValueError(
            f"{host} listens on every address, so the page cannot know which one browsers "
            "use: give --public-url, e.g. https://qa.force.example. Nothing was started."
        )
    url = database_url_from(args.database) if args.database else default_url()
    db = open_database(url)  # refuses a PostgreSQL database whose schema is behind
    shown = db.display_name
    db.dispose()
    public_url = public_url_for(host, args.port, args.public_url)
    if not is_loopback(host):
        print(
            f"warning: serving on {host} port {args.port}, which other machines can reach. "
            "Anyone who reaches it gets the sign-in screen, and traffic is plain HTTP and "
            "WebSocket (passwords included) unless a TLS reverse proxy is in front: see "
            "docs/serve.md.",
            file=sys.stderr,
        )
    # Each session's process opens the same database through the environment it inherits.
    os.environ["RCRP_DATABASE_URL"] = url
    server = _server_class()(
        session_command(args.idle_minutes),
        host=host.strip("[]"),
        port=args.port,
        public_url=public_url,
        database=shown,
        idle_minutes=args.idle_minutes,
        max_sessions=args.max_sessions,
    )
    server.serve()
    return 0


def _server_class() -> type[Any]:
    """textual-serve's ``Server`` with this command's checks (imported only to serve)."""
    from aiohttp import web
    from textual_serve.server import Server

    class RcrpServer(Server):
        def __init__(
            self,
            command: str,
            *,
            host: str,
            port: int,
            public_url: str,
            database: str,
            idle_minutes: int,
            max_sessions: int,
        ) -> None:
            super().__init__(
                command,
                host=host,
                port=port,
                title=TITLE,
                public_url=public_url,
                templates_path=PAGE_FOLDER,
            )
            self.database = database
            self.idle_minutes = idle_minutes
            self.max_sessions = max_sessions
            self.sessions = 0
            self.allowed = allowed_hosts(public_url)

        async def _make_app(self) -> web.Application:
            app = await super()._make_app()
            app.middlewares.append(self._only_our_address)
            return app

        @web.middleware
        async def _only_our_address(
            self,
            request: web.Request,
            handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
        ) -> web.StreamResponse:
            refusal = request_refusal(
                self.allowed,
                self.public_url,
                host=request.headers.get("Host"),
                origin=request.headers.get("Origin"),
                websocket=request.path == "/ws",
            )
            if refusal is not None:
                print(
                    f"refused {request.method} {request.path} from {request.remote}: {refusal}",
                    flush=True,
                )
                raise web.HTTPForbidden(text=refusal)
            return await handler(request)

        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            if self.sessions >= self.max_sessions:
                print(
                    f"refused a session from {request.remote}: {self.sessions} are open "
                    "(--max-sessions)",
                    flush=True,
                )
                raise web.HTTPServiceUnavailable(
                    text=f"{self.sessions} sessions are open, the most this server allows."
                )
            self.sessions += 1
            print(f"session opened from {request.remote} ({self.sessions} open)", flush=True)
            try:
                response: web.WebSocketResponse = await super().handle_websocket(request)
                return response
            finally:
                self.sessions -= 1
                print(f"session closed ({self.sessions} open)", flush=True)

        async def on_startup(self, app: web.Application) -> None:
            print(
                f"Serving rcrp-tui on {self.public_url} (database: {self.database}).\n"
                f"Each browser tab signs in on its own and is signed out after "
                f"{self.idle_minutes} minutes without a key press; at most "
                f"{self.max_sessions} at once. Ctrl+C stops.",
                flush=True,
            )

    return RcrpServer
