"""(7) The installed package: size of the .deb and of what it installs, and the start from launching
the installed command to the main window, against the same from the virtualenv.

Needs the package built (`bash packaging/build-deb.sh`), Xvfb and xdotool. The .deb is unpacked
with dpkg-deb into a temporary folder (the same files /opt/counter-app holds after installing;
nothing is installed on this machine). Each start runs the real program under Xvfb with
COUNTER_APP_STARTUP_PROBE (counter_app/ui/startup_probe.py) on a demo hall, xdotool types clerk1's
sign-in; the figure is the machine's share: launch → sign-in dialog shown, plus Enter pressed in it →
main window shown (the typing in between is left out; the password check is in). Baseline: the same start of
`.venv/bin/counter-app` (Python from the virtualenv)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import ROOT, Result, build_database, median

REPEATS = 5
PASSWORD = "Demo1234"  # counter_app.demo.generator.DEFAULT_PASSWORD, the demo hall's accounts


def _deb() -> Path:
    from counter_app import __version__

    deb = ROOT / "dist" / f"counter-app_{__version__}_amd64.deb"
    if not deb.exists():
        raise RuntimeError(f"{deb} missing: run bash packaging/build-deb.sh first")
    return deb


def _du(path: Path) -> int:
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def runtime_venv_bytes() -> int:
    """Installed files of counter-app's runtime dependencies (no test or build extras), recursively."""
    seen: set[str] = set()
    todo = ["counter-app"]
    total = 0
    while todo:
        name = todo.pop().lower().replace("_", "-")
        if name in seen:
            continue
        seen.add(name)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        total += sum(f.locate().stat().st_size for f in dist.files or [] if f.locate().is_file())
        for req in dist.requires or []:
            if "extra ==" in req:
                continue
            marker = req.split(";", 1)
            if len(marker) == 2 and ("win32" in marker[1] or "darwin" in marker[1]):
                continue
            todo.append(req.split(";")[0].split("[")[0].split("<")[0].split(">")[0].split("=")[0]
                        .split("!")[0].split("~")[0].strip())
    return total


class Xvfb:
    def __init__(self) -> None:
        read, write = os.pipe()
        self.proc = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1366x768x24", "-nolisten",
                                      "tcp"], pass_fds=(write,), stderr=subprocess.DEVNULL)
        os.close(write)
        with os.fdopen(read) as fh:
            self.display = ":" + fh.readline().strip()

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def start_once(command: list[str], display: str, url: str) -> tuple[float, float]:
    """Launch, sign in as clerk1 with xdotool; seconds launch → sign-in shown, Enter → main window."""
    with tempfile.TemporaryDirectory(prefix="bench_pkg_") as tmp:
        probe = Path(tmp) / "probe.jsonl"
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": tmp, "XDG_CONFIG_HOME": f"{tmp}/config",
            "DISPLAY": display, "LANG": "C.UTF-8", "COUNTER_APP_DATABASE_URL": url,
            "COUNTER_APP_DATA_DIR": f"{tmp}/data", "COUNTER_APP_STARTUP_PROBE": str(probe),
            "QT_QPA_PLATFORM": "xcb",
        }
        xenv = {"DISPLAY": display, "PATH": env["PATH"]}
        launched = time.time()
        app = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            win = subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--name", "登录"], env=xenv,
                                 capture_output=True, text=True, timeout=120, check=True).stdout.split()[0]
            time.sleep(0.3)  # the dialog takes keys once mapped and focused
            for args in (["windowfocus", "--sync", win], ["type", "--delay", "20", "clerk1"], ["key", "Tab"],
                         ["type", "--delay", "20", PASSWORD], ["key", "Return"]):
                subprocess.run(["xdotool", *args], env=xenv, check=True, timeout=30)
            app.wait(120)
        finally:
            if app.poll() is None:
                app.kill()
                app.wait()
        steps = {}
        if probe.exists():
            steps = {s["step"]: s["t"] for s in map(json.loads, probe.read_text(encoding="utf-8").splitlines())}
        if "main_shown" not in steps:
            raise RuntimeError(f"main window not reached ({command[0]}): {steps} {app.stderr.read()[-2000:]!r}")
        return steps["signin_shown"] - launched, steps["main_shown"] - steps["signin_submitted"]


def run(full: bool) -> list[Result]:
    deb = _deb()
    for tool in ("Xvfb", "xdotool", "dpkg-deb"):
        if not shutil.which(tool):
            raise RuntimeError(f"{tool} is needed (.ci/apt-packages.txt)")
    tmp = Path(tempfile.mkdtemp(prefix="bench_package_"))
    try:
        subprocess.run(["dpkg-deb", "-x", str(deb), str(tmp / "root")], check=True)
        installed = _du(tmp / "root")
        program = tmp / "root" / "opt" / "counter-app" / "counter-app"
        venv_program = Path(sys.executable).parent / "counter-app"
        venv_bytes = runtime_venv_bytes()
        url = f"sqlite:///{tmp / 'demo.sqlite3'}"
        build_database(url, 1000)
        xvfb = Xvfb()
        try:
            start_once([str(program)], xvfb.display, url), start_once([str(venv_program)], xvfb.display, url)  # warm
            package_runs, venv_runs = [], []
            for _ in range(REPEATS):  # alternated, so a change in the machine's load hits both alike
                package_runs.append(start_once([str(program)], xvfb.display, url))
                venv_runs.append(start_once([str(venv_program)], xvfb.display, url))
        finally:
            xvfb.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    mb = 1024 * 1024
    package = median([a + b for a, b in package_runs])
    venv = median([a + b for a, b in venv_runs])
    start = Result("7 package start", f"launch → main window under Xvfb, installed command, median of {REPEATS} "
                   "(sign-in typed by xdotool: typing not counted, password check counted)", package, "s", venv,
                   "the same from .venv/bin/counter-app", "≤ 1.5× the virtualenv")
    start.met = package <= 1.5 * venv
    start.notes.append(f"launch → sign-in dialog {median([a for a, _ in package_runs]):.2f} s "
                       f"(virtualenv {median([a for a, _ in venv_runs]):.2f} s), Enter → main window "
                       f"{median([b for _, b in package_runs]):.2f} s (virtualenv {median([b for _, b in venv_runs]):.2f} s)")
    compression = next((m.rsplit(".", 1)[-1] for m in subprocess.run(["ar", "t", str(deb)], capture_output=True,
                        text=True, check=True).stdout.split() if m.startswith("data.tar")), "?")
    return [
        Result("7 package size", f"{deb.name} ({compression}): {deb.stat().st_size / mb:.0f} MB to copy; installed "
               f"(/opt/counter-app, /usr/share) against the virtualenv's runtime packages (Python itself not counted)",
               installed / mb, "MB", venv_bytes / mb, "runtime packages of counter-app in site-packages"),
        start,
    ]


if __name__ == "__main__":
    for r in run(False):
        print(r)
