"""ActionPlanWorkflow: the actions that follow an LCSPR or a local learning event (SPEC §9).

The team enters recommendations and their actions (owner, target date) and records progress
(RAG, progress notes, evidence of impact). Owners are reminded before each target date
(`action.<n>`); an overdue action is escalated to the LIG; a progress summary goes to the
partnership team every few weeks. Once the plan is agreed and every action is implemented, the
review or event is formally concluded. Plans run for years, so the workflow continues as new
after a quiet spell and carries its state.

Updates: add_recommendation(NewRecommendation), add_action(NewAction),
         update_action(ActionUpdate), agree_plan(AgreePlan), each -> Receipt, and every
         lifecycle's answer, mark_absent and resend_links (workflows/handlers.py); each also a
         signal for the cases already running
Queries: view() -> LifecycleView (with the plan), plan() -> ActionPlanView,
         question(QuestionLookup) -> QuestionView
"""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.action_plan import (
        REVIEWS,
        Action,
        ActionPlanInput,
        ActionPlanResult,
        ActionPlanView,
        ActionUpdate,
        AgreePlan,
        NewAction,
        NewRecommendation,
        ProgressNote,
        Recommendation,
    )
    from domain.case import LifecycleView
    from domain.commands import Receipt, refuse_if
    from domain.deadlines import DeadlineRequest
    from domain.people import Recipient
    from domain.state import ActionPlanState

from workflows.event_loop import EventLoop
from workflows.handlers import LoopSignals, Recording
from workflows.lifecycle import Lifecycle


@workflow.defn
class ActionPlanWorkflow(LoopSignals[ActionPlanState]):
    @workflow.init
    def __init__(self, input: ActionPlanInput) -> None:
        self.input = input
        self.state = (ActionPlanState.model_validate(input.carried) if input.carried
                      else ActionPlanState(absent=list(input.absent_roles)))
        self.life = Lifecycle("action-plan", input.case_ref, input.profile, self.state)
        self.loop = EventLoop(self.state, lambda key: key.startswith("action."),
                              input.events_per_run)
        self.base = {"review": REVIEWS[input.review], "case_ref": input.case_ref}

    @workflow.run
    async def run(self, input: ActionPlanInput) -> ActionPlanResult:
        state = self.state
        if not state.started:
            state.started = True
            state.next_summary_at = workflow.now() + timedelta(days=input.summary_every_days)
        while state.plan.concluded_at is None:
            await self.loop.perform_queued()
            if self.complete() and state.plan.concluded_at is None:
                await self.conclude()
                break
            for _, key, kind in self.loop.due_now(self.summary_timer()):
                await self.act_on(key, kind)
            if await self.loop.time_to_continue_as_new():
                await workflow.wait_condition(workflow.all_handlers_finished)
                state.runs += 1
                workflow.continue_as_new(input.model_copy(
                    update={"carried": state.model_dump(mode="json")}))
            await self.loop.wait_for_work(self.summary_timer())
        await workflow.wait_condition(workflow.all_handlers_finished)
        assert state.plan.concluded_at is not None
        late = sum(1 for a in state.plan.actions if state.deadlines[a.key].state == "missed")
        return ActionPlanResult(concluded_at=state.plan.concluded_at,
                                actions=len(state.plan.actions), implemented_late=late,
                                runs=state.runs)

    def complete(self) -> bool:
        plan = self.state.plan
        return (plan.agreed_by is not None and bool(plan.actions)
                and all(a.implemented_at for a in plan.actions))

    def summary_timer(self) -> tuple[datetime, str, str]:
        assert self.state.next_summary_at is not None
        return (self.state.next_summary_at, "summary", "due")

    def action(self, n: int) -> Action:
        return self.state.plan.actions[n - 1]

    # --- the clock ----------------------------------------------------------------------------
    async def act_on(self, key: str, kind: str) -> None:
        if key == "summary":
            self.state.next_summary_at = workflow.now() + timedelta(
                days=self.input.summary_every_days)
            await self.send_summary()
            return
        action = self.action(int(key.removeprefix("action.")))
        context = self.action_context(action)
        if kind == "remind":
            await self.life.send("action_reminder", f"{key}.remind.{action.target_date}",
                                 self.owner(action), context)
            return
        # The target date ends what is awaited, so a re-targeted action's escalation is its own.
        await self.life.escalate(key, f"action {action.n} to be implemented by "
                                 f"{action.target_date}", ["lig_chair"], context)
        await self.life.send("action_overdue", f"{key}.overdue.{action.target_date}",
                             self.owner(action), context)

    def owner(self, action: Action) -> Recipient:
        return Recipient(role="action_owner", name=action.owner_name, email=action.owner_email)

    def action_context(self, action: Action) -> dict[str, str]:
        recommendation = self.state.plan.recommendations[action.recommendation - 1]
        return {**self.base, "n": str(action.n), "description": action.description,
                "recommendation": recommendation.text, "rag": action.rag,
                "target_date": action.target_date.isoformat(),
                "latest_progress": action.progress[-1].progress if action.progress
                else "none recorded yet"}

    async def send_summary(self) -> None:
        plan = self.state.plan
        lines = [f"- Action {a.n} ({a.owner_agency or a.owner_name}), target {a.target_date}: "
                 f"{self.status(a)}" for a in plan.actions]
        done = sum(1 for a in plan.actions if a.implemented_at)
        context = {**self.base, "actions": "\n".join(lines) or "- no actions entered yet",
                   "implemented": str(done), "total": str(len(plan.actions)),
                   "agreed": plan.agreed_by or "not yet agreed"}
        await self.life.send_to_address("action_plan_summary",
                                        f"action_plan.summary.{workflow.now().date()}", "team",
                                        "Partnership team",
                                        self.input.profile.partnership.team_email, context)

    def status(self, action: Action) -> str:
        if action.implemented_at:
            return "implemented"
        deadline = self.state.deadlines.get(action.key)
        overdue = deadline is not None and deadline.state == "missed"
        return action.rag.upper() + (" - OVERDUE" if overdue else "")

    async def conclude(self) -> None:
        self.state.plan.concluded_at = workflow.now()
        self.life.record("concluded", self.input.review, "partnership team",
                         f"all {len(self.state.plan.actions)} actions implemented")
        self.state.step = "concluded"
        await self.life.send_to_roles("action_plan_concluded", "action_plan.concluded",
                                      ["lig_chair", "partnership_chair"], self.base)
        await self.life.send_to_address("action_plan_concluded", "action_plan.concluded.team",
                                        "team", "Partnership team",
                                        self.input.profile.partnership.team_email, self.base)

    # --- work the recordings queue ----------------------------------------------------------
    async def plan_action(self, n: int, replace: bool = False) -> None:
        action = self.action(n)
        (deadline,) = await self.life.plan(DeadlineRequest(
            key=action.key, base=action.target_date,
            remind_working_days_before=self.input.remind_working_days_before), replace=replace)
        deadline.label = f"Action {action.n}: {action.description}"[:120]
        if replace:  # a new target date is reminded and escalated afresh
            self.state.reminded = [k for k in self.state.reminded if k != action.key]
            self.state.escalated = [k for k in self.state.escalated if k != action.key]
        if action.implemented_at:
            self.life.complete(action.key, at=action.implemented_at)

    async def implemented(self, n: int) -> None:
        action = self.action(n)
        assert action.implemented_at is not None
        if action.key in self.state.deadlines:
            self.life.complete(action.key, at=action.implemented_at,
                               note="implemented with evidence of impact")

    # --- recordings: what stops each, and what each does -----------------------------------
    def add_recommendation_problem(self, new: NewRecommendation) -> str | None:
        return "the plan is concluded" if self.state.plan.concluded_at else None

    def apply_add_recommendation(self, new: NewRecommendation) -> str:
        n = len(self.state.plan.recommendations) + 1
        self.state.plan.recommendations.append(Recommendation(n=n, text=new.text))
        self.life.record("recommendation", f"R{n}", "partnership team", new.text)
        return f"recommendation R{n}"

    def add_action_problem(self, new: NewAction) -> str | None:
        plan = self.state.plan
        if plan.concluded_at:
            return "the plan is concluded"
        if new.recommendation > len(plan.recommendations):
            return (f"recommendation: there is no R{new.recommendation} "
                    f"({len(plan.recommendations)} recorded)")
        if new.target_date < workflow.now().date():
            return f"target_date: {new.target_date} is in the past"
        return None

    def apply_add_action(self, new: NewAction) -> str:
        plan = self.state.plan
        n = len(plan.actions) + 1
        plan.actions.append(Action(n=n, **new.model_dump()))
        self.life.record("action", f"action {n}", "partnership team",
                         f"R{new.recommendation}: {new.description} (owner {new.owner_name}, "
                         f"target {new.target_date})")
        self.loop.then("plan_action", lambda: self.plan_action(n))
        return f"action {n}, due {new.target_date}"

    def update_action_problem(self, update: ActionUpdate) -> str | None:
        plan = self.state.plan
        if not 1 <= update.action <= len(plan.actions):
            return f"action: there is no action {update.action} ({len(plan.actions)} recorded)"
        if self.action(update.action).implemented_at:
            return f"action {update.action} is already implemented"
        if update.new_target_date and update.new_target_date < workflow.now().date():
            return f"new_target_date: {update.new_target_date} is in the past"
        return None

    def apply_update_action(self, update: ActionUpdate) -> str:
        action = self.action(update.action)
        action.rag = update.rag
        action.progress.append(ProgressNote(at=workflow.now(), progress=update.progress,
                                            rag=update.rag))
        self.life.record("action_progress", f"action {action.n}: {update.rag}",
                         "partnership team", update.progress)
        if update.new_target_date:
            action.target_date = update.new_target_date
            self.loop.then("plan_action", lambda: self.plan_action(action.n, replace=True))
        if update.implemented:
            action.evidence_of_impact = update.evidence_of_impact
            action.implemented_at = workflow.now()
            self.life.record("action_implemented", f"action {action.n}", "partnership team",
                             update.evidence_of_impact)
            self.loop.then("implemented", lambda: self.implemented(action.n))
        return f"action {action.n}: {'implemented' if update.implemented else update.rag}"

    def agree_plan_problem(self, agreed: AgreePlan) -> str | None:
        plan = self.state.plan
        if plan.agreed_by is not None:
            return f"the plan was already agreed ({plan.agreed_by})"
        bare = [f"R{r.n}" for r in plan.recommendations
                if not any(a.recommendation == r.n for a in plan.actions)]
        if not plan.actions or bare:
            return ("every recommendation needs at least one action before the plan is agreed "
                    f"(without: {', '.join(bare) or 'no recommendations'})")
        return None

    def apply_agree_plan(self, agreed: AgreePlan) -> str:
        self.state.plan.agreed_by = agreed.agreed_by
        self.life.record("action_plan_agreed", "agreed", agreed.agreed_by)
        self.loop.then("wake", self.wake)  # the plan may be complete already
        return f"the plan, agreed by {agreed.agreed_by}"

    async def wake(self) -> None:
        pass

    def recordings(self) -> dict[str, Recording]:
        return {
            "add_recommendation": Recording(NewRecommendation, self.add_recommendation_problem,
                                            self.apply_add_recommendation),
            "add_action": Recording(NewAction, self.add_action_problem, self.apply_add_action),
            "update_action": Recording(ActionUpdate, self.update_action_problem,
                                       self.apply_update_action),
            "agree_plan": Recording(AgreePlan, self.agree_plan_problem, self.apply_agree_plan),
        }

    # --- updates ------------------------------------------------------------------------------
    @workflow.update
    async def add_recommendation(self, new: NewRecommendation) -> Receipt:
        return await self.perform(self.apply_add_recommendation, new)

    @add_recommendation.validator
    def validate_add_recommendation(self, new: NewRecommendation) -> None:
        refuse_if(self.add_recommendation_problem(new))

    @workflow.update
    async def add_action(self, new: NewAction) -> Receipt:
        return await self.perform(self.apply_add_action, new)

    @add_action.validator
    def validate_add_action(self, new: NewAction) -> None:
        refuse_if(self.add_action_problem(new))

    @workflow.update
    async def update_action(self, update: ActionUpdate) -> Receipt:
        return await self.perform(self.apply_update_action, update)

    @update_action.validator
    def validate_update_action(self, update: ActionUpdate) -> None:
        refuse_if(self.update_action_problem(update))

    @workflow.update
    async def agree_plan(self, agreed: AgreePlan) -> Receipt:
        return await self.perform(self.apply_agree_plan, agreed)

    @agree_plan.validator
    def validate_agree_plan(self, agreed: AgreePlan) -> None:
        refuse_if(self.agree_plan_problem(agreed))

    def lifecycle_view(self) -> LifecycleView:
        view = self.life.view()
        view.step = ("concluded" if self.state.plan.concluded_at else
                     "monitoring" if self.state.plan.agreed_by else "drafting the plan")
        view.action_plan = self.state.plan
        return view

    @workflow.query
    def plan(self) -> ActionPlanView:
        return self.state.plan
