"""The outbox ledger: which messages the mail server has already accepted.

Temporal retries an activity whose worker died or timed out after the mail server accepted the
message but before the result reached Temporal. Without a record, the partner would get the
email twice. Each message has a deterministic key (its Message-ID: case, step, recipient), so
the send checks the ledger first and, when the message already went, returns what was recorded.

The ledger is a SQLite file on the worker's disk (OUTBOX_PATH); workers on one host share it
(WAL mode). A claim row stops two overlapping attempts of the same send from both sending.
Each worker keeps one connection open, and commits without waiting for the disk
(`synchronous=NORMAL`): in WAL mode a commit survives the worker's death, which is what the
ledger is for; only a power cut in the next moment could lose it, and cost one repeated email.
What remains is the moment between the server's "250 accepted" and the ledger write: a crash
exactly there can still repeat one message, the least any SMTP sender can promise.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
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
        # Autocommit, with explicit transactions where a read decides a write. Used from one
        # thread at a time (under the lock), though not always the same one.
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None,
                                   check_same_thread=False)
        self._db.execute("pragma journal_mode=wal")
        self._db.execute("pragma synchronous=normal")
        self._db.execute(_SCHEMA)
        self._lock = asyncio.Lock()

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
        db = self._db
        db.execute("begin immediate")
        try:
            row = db.execute("select state, claimed_at, sent_at from outbox "
                             "where message_key = ?", (key,)).fetchone()
            if row and row[0] == "sent":
                return SendRecord(message_key=key, sent_at=row[2])
            if row and now - row[1] < CLAIM_SECONDS:
                raise SendInProgress(f"message {key} is being sent by another attempt")
            db.execute("insert or replace into outbox (message_key, state, claimed_at, "
                       "case_ref, template) values (?, 'claimed', ?, ?, ?)",
                       (key, now, case_ref, template))
            db.execute("commit")
            return None
        finally:
            if db.in_transaction:  # read only, refused, or failed: nothing to keep
                db.execute("rollback")

    def _mark(self, key: str, sent_at: str) -> None:
        self._db.execute("update outbox set state = 'sent', sent_at = ? where message_key = ?",
                         (sent_at, key))

    def _release(self, key: str) -> None:
        self._db.execute("delete from outbox where message_key = ? and state = 'claimed'",
                         (key,))

    def count_sent(self) -> int:
        return int(self._db.execute("select count(*) from outbox where state = 'sent'")
                   .fetchone()[0])
