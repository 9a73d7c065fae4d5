"""Everything people sent through their links, for the team: each answer with who gave it,
when, and every field of its form (a scoping return's involvement summary, say), labelled
as the form asked it. Part of `case show`; never sent to a national body."""

from __future__ import annotations

from typing import Any

from domain.case import LifecycleView
from domain.forms import form_for
from domain.questions import Answer, Question


def answers_json(lifecycles: list[LifecycleView]) -> list[dict[str, Any]]:
    """Every answered question of every lifecycle, earliest first."""
    answered = [(q.answer.at, view.name, q) for view in lifecycles for q in view.questions
                if q.answer]
    return [_answer(name, q) for _, name, q in sorted(answered, key=lambda row: row[0])]


def _answer(lifecycle: str, question: Question) -> dict[str, Any]:
    answer = question.answer
    assert answer is not None
    return {
        "lifecycle": lifecycle,
        "question": question.id,
        "kind": question.kind,
        "asked_of": question.roles,
        "choice": answer.choice,
        "by": answer.by.model_dump() if answer.by else None,
        "recorded_by": answer.recorded_by,
        "deemed": answer.deemed,
        "at": answer.at.isoformat(),
        "rationale": answer.rationale,
        "reference": answer.reference,
        "fields": labelled_fields(question.kind, answer),
    }


def labelled_fields(kind: str, answer: Answer) -> list[dict[str, str]]:
    """The answer's form fields in the form's order, each with the label it was asked by,
    then any the form no longer asks (an older case's field) under their own names."""
    labels = {f.name: f.label for f in form_for(kind, answer.choice)}
    order = list(labels)

    def position(name: str) -> tuple[int, str]:
        return (order.index(name) if name in labels else len(order), name)

    return [{"name": name, "label": labels.get(name, name), "value": answer.fields[name]}
            for name in sorted(answer.fields, key=position)]


def answer_lines(answer: dict[str, Any]) -> list[str]:
    """The readable form of one answer: a heading line, then each field indented."""
    if answer["deemed"]:
        who = f"rule: {answer['rationale']}"
    elif answer["by"]:
        who = f"{answer['by']['name']} for {answer['by']['role']} <{answer['by']['email']}>"
    else:
        who = f"recorded by {answer['recorded_by'] or 'the partnership team'}"
    lines = [f"{answer['lifecycle']} {answer['question']}: {answer['choice']} ({who})"]
    if answer["reference"]:
        lines.append(f"    Reference: {answer['reference']}")
    for field in answer["fields"]:
        if field["value"]:
            lines.append(f"    {field['label']}: {_indented(field['value'])}")
    if answer["rationale"] and not answer["deemed"]:
        lines.append(f"    Rationale / notes: {_indented(answer['rationale'])}")
    return lines


def _indented(text: str) -> str:
    """A typed paragraph's later lines stay under its field."""
    return text.replace("\n", "\n      ")
