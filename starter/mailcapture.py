"""A loopback SMTP server that keeps every message as a .eml file (local running and tests).

Files are written to a temporary name and renamed, so a reader never sees half a message.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope


class CaptureHandler:
    def __init__(self, directory: Path):
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self._counter = itertools.count()

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        name = f"{time.time_ns()}-{os.getpid()}-{next(self._counter)}.eml"
        tmp = self.directory / f".{name}.tmp"
        data = envelope.original_content or b""
        tmp.write_bytes(data if isinstance(data, bytes) else data.encode())
        tmp.rename(self.directory / name)
        return "250 Message accepted for delivery"


def start(directory: Path, host: str = "127.0.0.1", port: int = 1025) -> Controller:
    controller = Controller(CaptureHandler(directory), hostname=host, port=port)
    controller.start()
    return controller


def serve_forever(directory: Path, host: str, port: int) -> None:
    controller = start(directory, host, port)
    print(f"mail capture listening on {host}:{port}, writing to {directory}", flush=True)
    try:
        asyncio.run(asyncio.Event().wait())
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
