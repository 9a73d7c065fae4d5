"""People and addresses shared by profiles, referrals and messages."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

# Deliberately simple: the mail server is the final judge, this catches typos at the door.
EmailAddress = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[^@\s<>,;]+@[^@\s<>,;]+\.[A-Za-z]{2,}$"),
]


class Person(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    email: EmailAddress


class Recipient(BaseModel):
    """Somebody a message goes to, in the role they are written to in."""

    model_config = ConfigDict(frozen=True)

    role: str
    name: str
    email: EmailAddress
