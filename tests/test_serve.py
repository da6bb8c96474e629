"""``rcrp-tui serve`` without a browser: what it refuses to bind, what it answers, and the
app processes it starts (a real server process, real WebSocket sessions).

The browser itself (Chromium driven by Playwright) is ``test_serve_browser.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from rcrp_tui.cli import serve
from rcrp_tui.cli.main import build_parser, main
from rcrp_tui.storage.db import Database
from tests.serve_helpers import served, session_pids

#: How long a session's app process may take to start, or to end after its tab closes.
PROCESS_SECONDS = 60.0


def test_serve_defaults_to_this_machine_only_with_an_idle_limit() -> None:
    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port, args.allow_remote, args.public_url) == (
        "127.0.0.1",
        8000,
        False,
        None,
    )
    assert args.idle_minutes == 15 and args.max_sessions == 20
    assert args.func is serve.cmd_serve


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["--port", "0"], "not a port number from 1 to 65535"),
        (["--port", "http"], "not a port number from 1 to 65535"),
        (["--idle-minutes", "0"], "a served session always signs out when idle"),
        (["--idle-minutes", "1441"], "from 1 to 1440"),
        (["--max-sessions", "0"], "not a number of sessions from 1 to 1000"),
        (["--public-url", "qa.force.example"], "not an address like https://"),
        (["--public-url", "https://qa.force.example/rcrp"], "has a path"),
    ],
)
def test_serve_refuses_nonsense_options(argv: list[str], complaint: str, capsys) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", *argv])
    assert complaint in capsys.readouterr().err


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("localhost", True),
        ("LOCALHOST", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.0.10", False),
        ("qa01", False),
        ("localhost.example", False),
    ],
)
def test_only_loopback_counts_as_this_machine(host: str, loopback: bool) -> None:
    assert serve.is_loopback(host) is loopback


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.1.2.3", "qa01.force.local"])
def test_an_address_other_machines_reach_is_refused_without_allow_remote(
    host: str, db: Database, capsys
) -> None:
    assert main(["serve", "--host", host, "--database", str(db.url.database)]) == 2
    err = capsys.readouterr().err
    assert f"error: {host} can be reached from other machines" in err
    assert "give --allow-remote" in err and "Nothing was started." in err


def test_listening_on_every_address_needs_the_public_url(db: Database, capsys) -> None:
    argv = ["serve", "--host", "0.0.0.0", "--allow-remote", "--database", str(db.url.database)]
    assert main(argv) == 2
    assert "give --public-url" in capsys.readouterr().err


class _RecordingServer:
    """Stands in for textual-serve's server: records what it was given instead of serving."""

    made: list[_RecordingServer] = []

    def __init__(self, command: str, **options: Any) -> None:
        self.command = command
        self.options = options
        self.database_url = ""
        _RecordingServer.made.append(self)

    def serve(self) -> None:
        self.database_url = os.environ["RCRP_DATABASE_URL"]


def test_allow_remote_warns_plainly_and_hands_the_database_to_the_sessions(
    db: Database, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(serve, "_server_class", lambda: _RecordingServer)
    monkeypatch.delenv("RCRP_DATABASE_URL", raising=False)
    _RecordingServer.made.clear()
    path = str(db.url.database)
    argv = [
        "serve",
        "--host",
        "10.1.2.3",
        "--allow-remote",
        "--port",
        "8443",
        "--idle-minutes",
        "7",
        "--database",
        path,
    ]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert err.startswith("warning: serving on 10.1.2.3 port 8443, which other machines can reach")
    assert "plain HTTP and WebSocket (passwords included) unless a TLS reverse proxy" in err
    (server,) = _RecordingServer.made
    # Each session runs the app with the idle limit; the database comes through the
    # environment, never on the command line (where ps shows it to every user).
    assert server.command.endswith("-m rcrp_tui --idle-minutes 7")
    assert path not in server.command
    assert server.database_url == f"sqlite:///{path}"
    assert server.options["public_url"] == "http://10.1.2.3:8443"
    assert server.options["host"] == "10.1.2.3" and server.options["port"] == 8443


def test_a_request_is_answered_only_at_the_public_address() -> None:
    local = serve.allowed_hosts("http://127.0.0.1:8000")
    assert (
        serve.request_refusal(
            local,
            "http://127.0.0.1:8000",
            host="localhost:8000",
            origin="http://localhost:8000",
            websocket=True,
        )
        is None
    )
    assert (
        serve.request_refusal(
            local, "http://127.0.0.1:8000", host="[::1]:8000", origin=None, websocket=True
        )
        is None
    )
    # A page elsewhere whose name was pointed at 127.0.0.1 (DNS rebinding) is refused.
    assert serve.request_refusal(
        local,
        "http://127.0.0.1:8000",
        host="evil.example:8000",
        origin="http://evil.example:8000",
        websocket=True,
    ) == ("This server answers only at http://127.0.0.1:8000.")
    assert (
        serve.request_refusal(
            local, "http://127.0.0.1:8000", host="127.0.0.1:8001", origin=None, websocket=False
        )
        is not None
    )
    assert (
        serve.request_refusal(
            local, "http://127.0.0.1:8000", host=None, origin=None, websocket=False
        )
        is not None
    )
    # Another site's page may not open a session in the visitor's browser.
    assert serve.request_refusal(
        local,
        "http://127.0.0.1:8000",
        host="127.0.0.1:8000",
        origin="https://evil.example",
        websocket=True,
    ) == ("Only the page at http://127.0.0.1:8000 may open a session.")
    assert (
        serve.request_refusal(
            local, "http://127.0.0.1:8000", host="127.0.0.1:8000", origin="null", websocket=True
        )
        is not None
    )
    proxied = serve.allowed_hosts("https://qa.force.example")
    assert (
        serve.request_refusal(
            proxied,
            "https://qa.force.example",
            host="qa.force.example",
            origin="https://qa.force.example",
            websocket=True,
        )
        is None
    )
    assert (
        serve.request_refusal(
            proxied,
            "https://qa.force.example",
            host="qa.force.example:443",
            origin=None,
            websocket=False,
        )
        is None
    )
    assert (
        serve.request_refusal(
            proxied, "https://qa.force.example", host="127.0.0.1:8000", origin=None, websocket=False
        )
        is not None
    )
    assert (
        serve.request_refusal(
            proxied,
            "https://qa.force.example",
            host="qa.force.example",
            origin="http://qa.force.example",
            websocket=True,
        )
        is not None
    )


def _get(url: str, host: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def test_the_page_asks_nothing_of_other_sites_and_a_foreign_host_is_refused(
    db: Database, tmp_path: Path
) -> None:
    with served(Path(str(db.url.database)), tmp_path) as server:
        status, page = _get(server.url)
        assert status == 200
        port = server.url.rsplit(":", 1)[1].strip("/")
        assert f'data-session-websocket-url="ws://127.0.0.1:{port}/ws"' in page
        assert "<title>RCRP decision QA</title>" in page
        # Everything the page loads comes from this server.
        loads = re.findall(r'(?:src|href)="([^"]+)"|url\("([^"]+)"\)', page)
        assert len(loads) >= 5
        for src, url in loads:
            assert (src or url).startswith(f"http://127.0.0.1:{port}/"), (src, url)
        font = f"http://127.0.0.1:{port}/static/fonts/RobotoMono-VariableFont_wght.ttf"
        assert f'url("{font}")' in page
        assert _get(font)[0] == 200
        assert _get(f"http://localhost:{port}/")[0] == 200
        status, text = _get(server.url, host=f"rebound.example:{port}")
        assert (status, text) == (403, f"This server answers only at http://127.0.0.1:{port}.")
        assert "refused GET / from 127.0.0.1" in server.output()


def _wait_for(what: str, check: Any, server: Any) -> Any:
    deadline = time.monotonic() + PROCESS_SECONDS
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{what} within {PROCESS_SECONDS:.0f} s; server said:\n{server.output()}")


def _url_of(db: Database) -> str:
    return db.url.render_as_string(hide_password=False)


async def test_each_session_is_its_own_app_process_on_the_given_database(
    any_db: Database, tmp_path: Path
) -> None:
    """Two tabs, two processes; a third is refused at --max-sessions 2; a closed tab's
    process ends; the database URL is in each process's environment, not its command."""
    url = _url_of(any_db)
    argument = str(any_db.url.database) if any_db.is_sqlite else url
    with served(argument, tmp_path, "--max-sessions", "2", "--idle-minutes", "9") as server:
        ws_url = server.url.replace("http://", "ws://") + "ws?width=100&height=30"
        origin = {"Origin": server.url.rstrip("/")}
        async with aiohttp.ClientSession() as client:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await client.ws_connect(ws_url, headers={"Origin": "https://evil.example"})
            assert refused.value.status == 403
            first = await client.ws_connect(ws_url, headers=origin)
            second = await client.ws_connect(ws_url, headers=origin)
            for tab in (first, second):  # each paints its own sign-in screen
                painted = await asyncio.wait_for(_bytes_until(tab, b"Username"), PROCESS_SECONDS)
                assert b"Username" in painted
            apps = await asyncio.to_thread(
                _wait_for, "two app processes", lambda: _apps(server.process.pid, 2), server
            )
            for pid in apps:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
                assert command[-4:-1] == [b"rcrp_tui", b"--idle-minutes", b"9"]
                assert argument.encode() not in b" ".join(command)
                environment = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
                assert f"RCRP_DATABASE_URL={_served_url(any_db, url)}".encode() in environment
            with pytest.raises(aiohttp.WSServerHandshakeError) as full:
                await client.ws_connect(ws_url, headers=origin)
            assert full.value.status == 503
            await first.close()
            await asyncio.to_thread(
                _wait_for,
                "the closed tab's process to end",
                lambda: (
                    not Path(f"/proc/{apps[0]}").exists()
                    or _apps(server.process.pid, 1) is not None
                ),
                server,
            )
            # The server counts the tab closed only after its process has gone: wait for
            # that, or a loaded machine sees the third tab refused as still "2 open".
            await asyncio.to_thread(
                _wait_for,
                "the server to count the closed tab",
                lambda: "session closed (1 open)" in server.output(),
                server,
            )
            third = await client.ws_connect(ws_url, headers=origin)  # room again
            painted = await asyncio.wait_for(_bytes_until(third, b"Username"), PROCESS_SECONDS)
            assert b"Username" in painted
            await third.close()
            await second.close()
    assert "session opened from 127.0.0.1 (2 open)" in server.output()
    assert "refused a session from 127.0.0.1: 2 are open (--max-sessions)" in server.output()


def _served_url(db: Database, url: str) -> str:
    return f"sqlite:///{db.url.database}" if db.is_sqlite else url


def _apps(server_pid: int, count: int) -> list[int] | None:
    """The server's app processes (``python -m rcrp_tui``), when there are ``count``."""
    found = []
    for pid in session_pids(server_pid):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"rcrp_tui" in command and b"serve" not in command:
            found.append(pid)
    return sorted(found) if len(found) == count else None


async def _bytes_until(tab: aiohttp.ClientWebSocketResponse, marker: bytes) -> bytes:
    """What the session sends until ``marker`` appears in it (the raw terminal stream)."""
    received = b""
    async for message in tab:
        if message.type is aiohttp.WSMsgType.BINARY:
            received += message.data
            if marker in received:
                return received
        elif message.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
            break
    return received


def test_serve_is_in_the_parser_help() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert "serve" in sub.choices
    assert "--allow-remote" in sub.choices["serve"].format_help()
