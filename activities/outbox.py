"""The outbox ledger: which messages the mail server has already accepted.

Temporal retries an activity whose worker died or timed out after the mail server accepted the
message but before the result reached Temporal. Without a record, the partner would get the
email twice. Each message has a deterministic key (its Message-ID: case, step, recipient), so
the send checks the ledger first and, when the message already went, returns what was recorded.

The ledger is a SQLite file on the worker's disk (OUTBOX_PATH); workers on one host share it
(WAL mode). A claim row stops two overlapping attempts of the same send from both sending.
Each worker keeps one connection open, and commits without waiting for the disk
(`synchronous=NORMAL`): in WAL mode a commit survives the worker's death, which is what the
ledger is for. A power cut or an operating system crash can lose the commits made since the
last checkpoint (seconds); each send among them that Temporal had not yet heard of as done
would then go out again.
What remains is the moment between the server's "250 accepted" and the ledger write: a crash
exactly there can still repeat one message, the least any SMTP sender can promise.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
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
        # One connection, used by one thread at a time: a send cancelled while its thread
        # still runs must not share it with the next send, so the lock is a thread lock.
        self._guard = threading.Lock()
        self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        # Autocommit, with explicit transactions where a read decides a write.
        db = sqlite3.connect(self._path, timeout=30, isolation_level=None,
                             check_same_thread=False)
        db.execute("pragma journal_mode=wal")
        db.execute("pragma synchronous=normal")
        db.execute(_SCHEMA)
        return db

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """The connection, for this thread alone; after a failure a fresh one, so a
        transaction a failed rollback left open never holds the file's write lock."""
        with self._guard:
            try:
                yield self._db
            except BaseException:
                if self._db.in_transaction:
                    try:
                        self._db.execute("rollback")
                    except sqlite3.Error:
                        self._db.close()
                        self._db = self._open()
                raise

    def close(self) -> None:
        with self._guard:
            self._db.close()

    async def claim(self, key: str, case_ref: str, template: str) -> SendRecord | None:
        """The record if this message already went; otherwise claim it for this attempt."""
        return await asyncio.to_thread(self._claim, key, case_ref, template, time.time())

    async def sent(self, key: str, sent_at: str) -> None:
        await asyncio.to_thread(self._mark, key, sent_at)

    async def release(self, key: str) -> None:
        """Give the claim up after a failed send, so the retry may try again at once."""
        await asyncio.to_thread(self._release, key)

    def _claim(self, key: str, case_ref: str, template: str, now: float) -> SendRecord | None:
        with self._connection() as db:
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
        with self._connection() as db:
            db.execute("update outbox set state = 'sent', sent_at = ? where message_key = ?",
                       (sent_at, key))

    def _release(self, key: str) -> None:
        with self._connection() as db:
            db.execute("delete from outbox where message_key = ? and state = 'claimed'",
                       (key,))

    def count_sent(self) -> int:
        with self._connection() as db:
            return int(db.execute("select count(*) from outbox where state = 'sent'")
                       .fetchone()[0])
