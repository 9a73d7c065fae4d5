"""Custom search attributes: what the Temporal UI and `case list` filter on. Never personal data."""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

CASE_REF = SearchAttributeKey.for_keyword("CaseRef")
CASE_STAGE = SearchAttributeKey.for_keyword("CaseStage")
NEXT_DEADLINE = SearchAttributeKey.for_datetime("NextDeadline")
PARTNERSHIP = SearchAttributeKey.for_keyword("PartnershipCode")

ALL = (CASE_REF, CASE_STAGE, NEXT_DEADLINE, PARTNERSHIP)
