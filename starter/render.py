"""Readable text for the CLI's case views (the JSON form is in starter/cases.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from domain.calendar import LONDON
from domain.deadlines import Deadline
from starter.answers import answer_lines

_MARK = {"pending": "…", "met": "✓", "missed": "✗", "waived": "–", "paused": "‖"}


def _when(iso: str | None) -> str:
    if not iso:
        return "-"
    return datetime.fromisoformat(iso).astimezone(LONDON).strftime("%a %d %b %Y %H:%M")


def case_text(case: dict[str, Any]) -> str:
    lines = [
        f"Case {case['case_ref']} ({case['partnership']}) · child {case['child_initials']}",
        f"Stage: {case['stage']} ({case['status']})",
        f"Received {case['received_on']} · LA aware {case['aware_on']}",
    ]
    for name, step in case["steps"].items():
        lines.append(f"  {name}: {step}")
    lines.append("Deadlines (RAG):")
    for d in case["deadlines"]:
        done = f" done {_when(d['completed_at'])}" if d["completed_at"] else ""
        lines.append(f"  {_MARK[d['state']]} {d['rag'].upper():<5} {d['key']:<28} "
                     f"due {_when(d['due_at'])}  {d['state']}{done}")
    if case.get("actions"):
        lines.append("Action plan:")
        for a in case["actions"]:
            state = f"implemented {_when(a['implemented_at'])}" if a["implemented_at"] \
                else a["rag"].upper()
            lines.append(f"  {a['n']:>2}. R{a['recommendation']} {a['description']} "
                         f"({a['owner']}) target {a['target_date']}: {state}")
    if case.get("answers"):
        lines.append(f"Answers received ({len(case['answers'])}):")
        for answer in case["answers"]:
            first, *rest = answer_lines(answer)
            lines.append(f"  {_when(answer['at'])}  {first}")
            lines.extend(f"  {line}" for line in rest)
    lines.append(f"Timeline ({len(case['messages'])} messages sent):")
    for event in case["timeline"]:
        lines.append(f"  {_when(event['at'])}  {event['kind']:<8} {event['what']}")
    for m in case["failed_messages"]:
        lines.append(f"  FAILED {m['template']} → {m['to']}: {m['error']}")
    return "\n".join(lines)


def awareness_text(aware_on: date, partnership: str,
                   rows: list[tuple[Deadline, str]]) -> str:
    lines = [f"{partnership}: if the LA became aware on {aware_on:%a %d %b %Y}"]
    for d, note in rows:
        window = f"{d.opens:%a %d %b} to " if d.opens else ""
        lines.append(f"  {d.key:<26} {window}{_when(d.due_at.isoformat())}  {d.label} ({note})")
    return "\n".join(lines)


def case_list_text(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "No open cases."
    lines = [f"{'case':<18} {'stage':<24} next deadline"]
    for row in rows:
        flag = "  OVERDUE" if row["overdue"] else ""
        lines.append(f"{row['case_ref']:<18} {row['stage']:<24} "
                     f"{_when(row['next_deadline'])}{flag}")
    return "\n".join(lines)
