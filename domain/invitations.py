"""Who is invited to a meeting: one invitation per person, whatever roles they hold.

A person often holds more than one place at a meeting: the police LIG representative is also
the police agency's representative, and one ICB nurse may represent two health agencies.
They get one invitation naming every capacity. An absent role holder is not invited in any
capacity; the role's deputies come instead, also where the holder would have come as an
agency's representative.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from domain.people import Person, Recipient
from domain.profile import Profile


class Invitee(BaseModel):
    person: Recipient  # `role` is the first capacity's role key
    capacities: list[str] = Field(default_factory=list)  # "Police LIG representative", …
    deputy_for: list[str] = Field(default_factory=list)  # absent holders' titles


def meeting_invitees(profile: Profile, roles: list[str], agencies: list[str],
                     absent: list[str]) -> list[Invitee]:
    """The people invited for `roles` and for the representatives of `agencies`, in the
    order first met, one entry per email address."""
    invitees: dict[str, Invitee] = {}

    def add(key: str, person: Person, capacity: str, deputy_for: str | None = None) -> None:
        entry = invitees.setdefault(person.email.lower(), Invitee(
            person=Recipient(role=key, name=person.name, email=person.email)))
        if capacity not in entry.capacities:
            entry.capacities.append(capacity)
        if deputy_for and deputy_for not in entry.deputy_for:
            entry.deputy_for.append(deputy_for)

    def stands_in(role: str) -> bool:
        return role in absent and bool(profile.roles[role].deputies)

    away = {profile.roles[r].holder.email.lower(): r for r in absent
            if r in profile.roles and stands_in(r)}
    for role in roles:
        spec = profile.roles[role]
        if stands_in(role):
            for deputy in spec.deputies:
                add(role, deputy, spec.title, deputy_for=spec.title)
        else:
            add(role, spec.holder, spec.title)
    for key in agencies:
        agency = profile.agencies[key]
        capacity = f"representative of {agency.name}"
        holder_role = away.get(agency.lig_representative.email.lower())
        if holder_role is None:
            add(f"agency:{key}", agency.lig_representative, capacity)
            continue
        spec = profile.roles[holder_role]
        for deputy in spec.deputies:
            add(f"agency:{key}", deputy, capacity, deputy_for=spec.title)
    return list(invitees.values())
