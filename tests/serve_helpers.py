"""A real ``rcrp-tui serve`` process for the serve tests: started on a free loopback port,
waited for (bounded), and stopped with every app process it started."""

from __future__ import annotations

import os
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
