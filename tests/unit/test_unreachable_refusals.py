"""Refusals no update can reach through a running workflow, checked on the rule itself: a plan
that is concluded ends its workflow at once, so only a signal sent in that instant meets it."""

from datetime import UTC, datetime

from domain.action_plan import NewRecommendation
from domain.state import ActionPlanState
from workflows.action_plan import ActionPlanWorkflow


def test_a_concluded_plan_takes_no_more_recommendations() -> None:
    plan = ActionPlanWorkflow.__new__(ActionPlanWorkflow)  # the rule alone, no worker
    plan.state = ActionPlanState()
    recommendation = NewRecommendation(text="Embed the escalation policy")
    assert plan.add_recommendation_problem(recommendation) is None
    plan.state.plan.concluded_at = datetime(2027, 5, 4, tzinfo=UTC)
    assert plan.add_recommendation_problem(recommendation) == "the plan is concluded"
