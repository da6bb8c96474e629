"""A real ``rcrp-tui serve`` process for the serve tests (and bench/bench_serve.py): started
on a free loopback port, waited for (bounded), and stopped with every app process it
started; and the served app's screen as a browser shows it (``BrowserScreen``)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

#: How long the server may take to answer its first request (a loaded CI machine).
START_SECONDS = 60.0


def free_port() -> int:
    """A port nothing on 127.0.0.1 listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def session_pids(server_pid: int) -> list[int]:
    """The app processes the server started (its children's children: the shell's)."""
    found: list[int] = []
    pending = [server_pid]
    while pending:
        pid = pending.pop()
        path = Path(f"/proc/{pid}/task/{pid}/children")
        try:
            children = [int(p) for p in path.read_text().split()]
        except OSError:
            continue
        found.extend(children)
        pending.extend(children)
    return found


@contextmanager
def served(
    database: Path | str, tmp_path: Path, *extra: str, port: int | None = None
) -> Iterator[Served]:
    """``rcrp-tui serve --database DATABASE`` (a file or a URL) on a free port, ready."""
    port = port or free_port()
    log = tmp_path / "serve.log"
    env = dict(os.environ)
    env["RCRP_CONFIG_DIR"] = str(tmp_path / "config")
    env["RCRP_EXPORT_DIR"] = str(tmp_path / "exports")
    env.pop("RCRP_DATABASE_URL", None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "rcrp_tui",
                "serve",
                "--database",
                str(database),
                "--port",
                str(port),
                *extra,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # its own process group: the app processes with it
        )
    serving = Served(process, f"http://127.0.0.1:{port}/", log)
    try:
        _wait_until_answering(serving)
        yield serving
    finally:
        _stop(process)


def _wait_until_answering(serving: Served) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if serving.process.poll() is not None:
            raise AssertionError(
                f"rcrp-tui serve exited ({serving.process.returncode}) before answering:\n"
                f"{serving.output()}"
            )
        try:
            with urllib.request.urlopen(serving.url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise AssertionError(
        f"rcrp-tui serve did not answer {serving.url} within {START_SECONDS:.0f} s:\n"
        f"{serving.output()}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server (it closes its sessions), then its whole process group."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=20)
    with suppress(ProcessLookupError):  # anything of this server's group still left
        os.killpg(process.pid, signal.SIGKILL)
    if process.poll() is None:
        process.wait(timeout=10)


CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}
#: The longest any one step may take on a loaded CI machine before the test gives up.
STEP_SECONDS = 60.0
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


class BrowserScreen:
    """The served app's screen as the page shows it, rebuilt from the WebSocket stream."""

    def __init__(self, page: Any, server: Served, tmp_path: Path, *, poll_ms: float = 100) -> None:
        import pyte

        self.poll_ms = poll_ms
        self.page = page
        self.server = server
        self.tmp_path = tmp_path
        self.screen = pyte.Screen(80, 24)
        self.stream = pyte.ByteStream(self.screen)
        self.sessions = 0
        page.on("websocket", self._watch)

    def _watch(self, socket: Any) -> None:
        self.sessions += 1
        query = parse_qs(urlsplit(socket.url).query)
        self.screen.resize(int(query["height"][0]), int(query["width"][0]))
        socket.on("framereceived", self._received)
        socket.on("framesent", self._sent)

    def _received(self, payload: Any) -> None:
        if isinstance(payload, bytes | bytearray):
            self.stream.feed(bytes(payload))

    def _sent(self, payload: Any) -> None:
        if isinstance(payload, str):
            message = json.loads(payload)
            if message[0] == "resize":
                self.screen.resize(message[1]["height"], message[1]["width"])

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    def wait_for(self, pattern: str, what: str) -> re.Match[str]:
        """Wait until the screen shows ``pattern`` (a regular expression), for ``what``."""
        deadline = time.monotonic() + STEP_SECONDS
        while True:
            found = re.search(pattern, self.text())
            if found:
                return found
            if time.monotonic() > deadline:
                self.fail(f"{what}: the browser did not show /{pattern}/ in {STEP_SECONDS:.0f} s")
            self.page.wait_for_timeout(self.poll_ms)  # lets Playwright deliver the frames

    def fail(self, reason: str) -> None:
        shot = self.tmp_path / "serve-browser-failure.png"
        self.page.screenshot(path=str(shot))
        keep(shot)
        raise AssertionError(
            f"{reason}\n--- the screen ({self.screen.columns}x{self.screen.lines}, "
            f"{self.sessions} session(s)):\n{self.text()}\n--- rcrp-tui serve said:\n"
            f"{self.server.output()[-4000:]}\n--- screenshot: {shot}"
        )


def keep(picture: Path) -> Path:
    """Copy a picture to test-artifacts/ (kept after the run, ignored by git)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return Path(shutil.copy2(picture, ARTIFACTS / picture.name))
