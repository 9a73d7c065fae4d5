"""The outbox ledger: which messages the mail server has already accepted.

Temporal retries an activity whose worker died or timed out after the mail server accepted the
message but before the result reached Temporal. Without a record, the partner would get the
email twice. Each message has a deterministic key (its Message-ID: case, step, recipient), so
the send checks the ledger first and, when the message already went, returns what was recorded.

The ledger is a SQLite file on the worker's disk (OUTBOX_PATH); workers on one host share it
(WAL mode). A claim row stops two overlapping attempts of the same send from both sending.
What remains is the moment between the server's "250 accepted" and the ledger write: a crash
exactly there can still repeat one message, the least any SMTP sender can promise.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from pydantic import BaseModel

CLAIM_SECONDS = 120  # longer than a send's start-to-close timeout (one minute)

_SCHEMA = """
create table if not exists outbox (
    message_key text primary key,
    state text not null check (state in ('claimed', 'sent')),
    claimed_at real not null,
    sent_at text,
    case_ref text not null,
    template text not null
)
"""


class SendRecord(BaseModel):
    message_key: str
    sent_at: str  # ISO instant the server accepted it


class SendInProgress(RuntimeError):
    """Another attempt of the same send holds the claim: retry later, do not send."""


class Outbox:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        with self._connect() as db:
            db.execute("pragma journal_mode=wal")
            db.execute(_SCHEMA)
        self._lock = asyncio.Lock()

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # Autocommit, with explicit transactions where a read decides a write.
        with closing(sqlite3.connect(self._path, timeout=30, isolation_level=None)) as db:
            yield db

    async def claim(self, key: str, case_ref: str, template: str) -> SendRecord | None:
        """The record if this message already went; otherwise claim it for this attempt."""
        async with self._lock:
            return await asyncio.to_thread(self._claim, key, case_ref, template, time.time())

    async def sent(self, key: str, sent_at: str) -> None:
        async with self._lock:
            await asyncio.to_thread(self._mark, key, sent_at)

    async def release(self, key: str) -> None:
        """Give the claim up after a failed send, so the retry may try again at once."""
        async with self._lock:
            await asyncio.to_thread(self._release, key)

    def _claim(self, key: str, case_ref: str, template: str, now: float) -> SendRecord | None:
        with self._connect() as db:
            db.execute("begin immediate")
            row = db.execute("select state, claimed_at, sent_at from outbox "
                             "where message_key = ?", (key,)).fetchone()
            if row and row[0] == "sent":
                db.execute("commit")
                return SendRecord(message_key=key, sent_at=row[2])
            if row and now - row[1] < CLAIM_SECONDS:
                db.execute("rollback")
                raise SendInProgress(f"message {key} is being sent by another attempt")
            db.execute("insert or replace into outbox (message_key, state, claimed_at, "
                       "case_ref, template) values (?, 'claimed', ?, ?, ?)",
                       (key, now, case_ref, template))
            db.execute("commit")
            return None

    def _mark(self, key: str, sent_at: str) -> None:
        with self._connect() as db:
            db.execute("update outbox set state = 'sent', sent_at = ? where message_key = ?",
                       (sent_at, key))

    def _release(self, key: str) -> None:
        with self._connect() as db:
            db.execute("delete from outbox where message_key = ? and state = 'claimed'", (key,))

    def count_sent(self) -> int:
        with self._connect() as db:
            return int(db.execute("select count(*) from outbox where state = 'sent'")
                       .fetchone()[0])
