"""What the pages behind links say: question titles, choice labels, and the pages shown when
a link cannot be used. Every page that turns a person away says who to contact and which case
to quote, and "already answered" says who answered and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from pydantic import BaseModel
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from activities.rendering import when
from domain.links import LinkClaims, LinkRejected
from domain.profile import Profile
from domain.questions import Answer, QuestionView

T = TypeVar("T")
QUERY_TIMEOUT = timedelta(seconds=10)
UNAVAILABLE = ("The service cannot look at this case just now. Nothing was changed: please "
               "try the link again in a few minutes.")

TITLES = {
    "initial_view": "Initial view: serious incident notification",
    "partner_response": "Your response to the initial view",
    "chair_decision": "Partnership Chair decision: serious incident notification",
    "sin_reference": "Record the serious incident notification reference",
    "scoping_return": "Rapid review: initial scoping and information sharing",
    "ratification": "Ratify the rapid review outcome",
    "endorsement": "Independent Scrutineer: the rapid review outcome",
    "agency_submission": "Confirm your agency's submission to the review",
    "approval": "Approve the LCSPR report",
    "lig_route": "LIG chair: choose the route for this referral",
    "dispute_decision": "Partnership Chair: decide the disputed LIG decision",
}
CHOICE_LABELS = {
    "notify": "Notify the Child Safeguarding Practice Review Panel",
    "do_not_notify": "Do not notify",
    "agree": "I agree with the initial view",
    "disagree": "I disagree with the initial view",
    "submitted": "The notification has been submitted",
    "returned": "Our agency knew the child or family: our scoping is below",
    "not_known": "Our agency did not know the child or family (this is our written "
                 "confirmation)",
    "ratify": "I ratify the outcome on behalf of my agency",
    "object": "I object to the outcome",
    "endorse": "I endorse the outcome",
    "concerns": "I have concerns about the outcome",
    "approve": "I approve the report on behalf of my agency",
    "lig_discussion": "LIG discussion, supported by scoping of agency information",
    "leads_meeting": "A safeguarding leads meeting",
    "no_further_action": "No further action",
    "local_learning_event": "A local learning event",
    "other_workstream": "Refer to another workstream (e.g. a multi-agency audit)",
    "single_agency_learning": "Single-agency learning, monitored by the LIG",
}
NOTHING_CHANGED = "Nothing was changed."


@dataclass(frozen=True)
class Notice:
    """A page that is not the form: its status, title and message, and the case it is about
    (None when the link is too damaged to tell)."""

    status: int
    title: str
    message: str
    case_ref: str | None = None
    new_link: bool = False  # the person needs a fresh link from the team to answer


def refused(err: LinkRejected) -> Notice:
    """The page for a link that cannot be used at all; an expired one needs a new link."""
    expired = err.status == 410
    return Notice(err.status, "Link expired" if expired else "Link not usable",
                  f"{err.reason} Nothing was changed.", err.case_ref, new_link=expired)


async def query_for_link(client: Client, claims: LinkClaims, query: str, arg: BaseModel,
                         result_type: type[T]) -> T:
    """Ask the workflow a link belongs to; a case that is gone, or a service that cannot
    answer now, is refused with a page that says so."""
    try:
        return await client.get_workflow_handle(claims.workflow_id).query(
            query, arg, result_type=result_type, rpc_timeout=QUERY_TIMEOUT)
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise LinkRejected("We could not find the case for this link.", 404,
                               claims.case_ref) from None
        raise LinkRejected(UNAVAILABLE, 503, claims.case_ref) from None


def answered_by(answer: Answer, profile: Profile) -> str:
    """'Pat Constable (Police LIG representative) on Wed 2 Dec 2026, 10:15', or the rule or
    the operator that settled it."""
    at = when(answer.at)
    if answer.deemed:
        return f"by the procedure's rule ({answer.rationale}) on {at}"
    if answer.by is None:
        return f"by {answer.recorded_by or 'the partnership team'} on {at}"
    try:
        title = profile.role(answer.by.role).title
    except KeyError:  # a role the current profile no longer has
        title = answer.by.role
    return f"by {answer.by.name} ({title}) on {at}"


def status_notice(view: QuestionView, profile: Profile) -> Notice:
    """The page for a link whose question is no longer open to it."""
    if view.status == "answered" and view.answer is not None:
        choice = CHOICE_LABELS.get(view.answer.choice, view.answer.choice)
        return Notice(409, "Already answered",
                      f"This question was answered {answered_by(view.answer, profile)}: "
                      f"“{choice}”. {NOTHING_CHANGED}", view.case_ref)
    if view.status == "closed":
        return Notice(410, "No longer open", f"This question is closed. {NOTHING_CHANGED}",
                      view.case_ref)
    if view.status == "superseded":
        return Notice(410, "Link replaced", "This link has been replaced: the question was "
                      f"passed to a deputy. {NOTHING_CHANGED}", view.case_ref)
    return Notice(404, "Not found", "We could not find the question for this link.",
                  view.case_ref)


def thanks(choice: str, case_ref: str) -> Notice:
    return Notice(200, "Thank you", f"Your answer ({CHOICE_LABELS[choice]}) has been recorded "
                  f"for case {case_ref}.", case_ref)
