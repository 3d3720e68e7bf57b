"""Fixtures for the real-browser tests: Debian's Chromium driven by Playwright, local servers.

Every server binds 127.0.0.1 on a free port, runs in its own process group and is
stopped (the whole group) when its fixture ends, whatever happened. Without
Chromium or Playwright the tests here are skipped with the reason; ``make test``
installs Chromium with apt where it can (root with apt-get, as in CI).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"

#: Chromium flags verified here (shared/notes/static-book-and-browser.md); the profile is fresh per session.
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_url(url: str, proc: subprocess.Popen, timeout: float) -> None:
    """Poll ``url`` until it answers 200; fail if ``proc`` exits or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


@contextmanager
def server(args: list, url: str, *, env=None, cwd=None, timeout: float = 60.0, log=None):
    """Run ``args`` in its own process group until ``url`` answers; stop the group on exit."""
    proc = subprocess.Popen(args, cwd=cwd, env=env, start_new_session=True,
                            stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        wait_for_url(url, proc, timeout)
        yield proc
    finally:
        for sig, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(grace)
                break
            except subprocess.TimeoutExpired:
                continue


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("Chromium is not installed: `apt-get install -y chromium` as root "
                    "(`make test` does it where it can), then run the browser tests again")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    """A Chromium context with a fresh profile; each test opens its own pages."""
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="Playwright is not installed (it is in requirements.txt)")
    with tempfile.TemporaryDirectory(prefix="gradnotes-chromium-") as profile, \
            sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=chromium_path, args=CHROMIUM_FLAGS, headless=True,
            viewport={"width": 1280, "height": 900}, device_scale_factor=1,
        )
        context.set_default_timeout(30_000)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="session")
def book_url():
    """The built book served by ``python -m http.server`` on 127.0.0.1 (built first if missing)."""
    if not (BOOK / "index.html").exists():
        subprocess.run(["make", "--no-print-directory", "book"], cwd=ROOT, check=True)
    port = free_port()
    args = [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port), "--directory", str(BOOK)]
    with server(args, f"http://127.0.0.1:{port}/index.html", timeout=30):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def jupyter_environment(home: Path) -> dict:
    """Environment of a Jupyter server with its own config, data, settings and workspaces.

    ``GRADNOTES_STATIC`` is removed: the kernel must give the live explorers.
    """
    env = {k: v for k, v in os.environ.items() if k != "GRADNOTES_STATIC"}
    settings = home / "settings"
    notification = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notification.parent.mkdir(parents=True)
    notification.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    env.update(
        JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
        IPYTHONDIR=str(home / "ipython"), MPLBACKEND="agg",
    )
    return env


@pytest.fixture
def jupyter(tmp_path):
    """``jupyter(app, notebook)``: a server (``lab`` or ``notebook``) whose root holds a copy of ``notebook``.

    The copy keeps the repository's notebook untouched by autosave. Returns the
    server's base URL and the path of its log (server and kernel output); the
    server stops when the test ends.
    """
    with ExitStack() as stack:

        def start(app: str, notebook: Path) -> tuple[str, Path]:
            root = tmp_path / "root"
            root.mkdir(exist_ok=True)
            shutil.copy(notebook, root / notebook.name)
            port = free_port()
            args = [sys.executable, "-m", "jupyter", app, "--no-browser", "--ip=127.0.0.1", f"--port={port}",
                    "--ServerApp.port_retries=0", "--IdentityProvider.token=", "--ServerApp.password=",
                    f"--ServerApp.root_dir={root}"]
            # The tests drive the front end through its own commands (window.jupyterapp).
            args += (["--LabApp.expose_app_in_browser=True", "--LabApp.news_url="] if app == "lab"
                     else ["--JupyterNotebookApp.expose_app_in_browser=True"])
            if hasattr(os, "geteuid") and os.geteuid() == 0:
                args.append("--allow-root")
            log_path = tmp_path / f"{app}.log"
            log = stack.enter_context(open(log_path, "w"))
            stack.enter_context(server(args, f"http://127.0.0.1:{port}/api/status", cwd=root, timeout=60,
                                       env=jupyter_environment(tmp_path / app), log=log))
            return f"http://127.0.0.1:{port}", log_path

        yield start
