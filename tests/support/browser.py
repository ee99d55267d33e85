"""A Streamlit server on a free loopback port and Debian's Chromium driven by Playwright.

Used by the browser tests and the benchmarks alike. Playwright's own browser download is impossible here, so
Debian's Chromium at /usr/bin/chromium is used.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(script: str, env: dict | None = None, timeout: float = 120, log=None):
    """Run `streamlit run script` on a free loopback port until the block ends; yields (base_url, process).

    `log`, a binary file, receives the server's output (otherwise discarded); a server that does not answer
    /_stcore/health in time raises with its last output.
    """
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        script,
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    out = log if log is not None else subprocess.DEVNULL
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                with urllib.request.urlopen(base + "/_stcore/health", timeout=2) as r:
                    if r.read().decode().strip() == "ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = ""
                if log is not None:
                    log.flush()
                    log.seek(0)
                    tail = log.read().decode(errors="replace")[-3000:]
                raise RuntimeError(f"streamlit server for {script} did not start:\n{tail}")
            # Polling a process that is starting up: there is no event to wait on.
            time.sleep(0.2)
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def chromium():
    """A persistent Chromium context at 1280x800 in a throw-away profile, downloads accepted."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        context = p.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 800},
            accept_downloads=True,
        )
        try:
            yield context
        finally:
            context.close()


AXE = Path(__file__).resolve().parent / "axe.min.js"
_AXE_RUN = """async () => {
    const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
                                       resultTypes: ['violations']});
    return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                   nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
}"""


def serious_accessibility_violations(page) -> list[dict]:
    """axe-core's WCAG 2.0/2.1 A and AA rules over the page as drawn: its serious and critical violations."""
    page.add_script_tag(path=str(AXE))
    return [v for v in page.evaluate(_AXE_RUN) if v["impact"] in ("serious", "critical")]
