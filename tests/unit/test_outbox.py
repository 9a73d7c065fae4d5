"""The outbox ledger keeps one connection: a refused or failed step must leave it usable, and
another worker's connection to the same file must see what this one recorded."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from activities.outbox import Outbox, SendInProgress


async def test_a_refused_claim_leaves_no_transaction_open(tmp_path: Path) -> None:
    ledger = tmp_path / "outbox.sqlite3"
    first, second = Outbox(ledger), Outbox(ledger)  # two workers on one host
    assert await first.claim("k1", "C", "t") is None
    with pytest.raises(SendInProgress):
        await second.claim("k1", "C", "t")
    # Had the refusal left its transaction open, this would wait for the write lock, then fail.
    assert await second.claim("k2", "C", "t") is None
    await second.sent("k2", "2026-12-04T10:00:00+00:00")
    await first.sent("k1", "2026-12-04T10:00:01+00:00")
    assert first.count_sent() == second.count_sent() == 2
    assert (await second.claim("k1", "C", "t")) is not None  # sent: the record, no new send
    first.close()
    second.close()


async def test_a_failed_statement_gives_the_next_call_a_working_connection(
        tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    with pytest.raises(sqlite3.Error), outbox._connection() as db:
        db.execute("begin immediate")
        db.execute("insert into no_such_table values (1)")
    assert await outbox.claim("k", "C", "t") is None
    outbox.close()
