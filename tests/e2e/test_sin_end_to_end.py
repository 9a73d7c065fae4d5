"""A referral submitted through the CLI, driven to `notify` only by following the links in
the captured emails (GET, then POST the form), then checked with `case show --json`."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads, WorkflowExecution
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import Client

from domain.calendar import london_today
from domain.links import LinkSigner
from tests.e2e.conftest import Stack
from tests.support import (
    OPERATOR_TOKEN,
    PERSONAL,
    SIGNING_KEY,
    Mail,
    claims_of,
    form_token,
    open_and_submit,
    referral_data,
)

LIG_CHAIR = "lig.chair@iow.example.org"
SCOPING = {"completer": "T. Lead, named nurse", "records_secured": "yes",
           "involvement_summary": "Birth visit and two clinic contacts.",
           "practice_analysis": "Timely contacts; concerns not shared with the GP."}
SERVICE_DIRECTOR = "service.director@iow.example.org"


async def follow(mail: Mail, form: dict[str, str]) -> httpx.Response:
    return await open_and_submit(mail.links[0], form)


def expired_copy(link: str) -> str:
    """A genuine link for the same question and person, but past its lifetime."""
    claims = claims_of(link)
    expired = LinkSigner(SIGNING_KEY).sign(
        workflow_id=claims.workflow_id, case_ref=claims.case_ref,
        question_id=claims.question_id, nonce=claims.nonce, recipient=claims.recipient,
        now=time.time() - 60 * 86400)
    return link.rsplit("/", 1)[0] + "/" + expired


async def test_referral_to_notify_by_links(stack: Stack, tmp_path: Path) -> None:
    started = stack.submit(referral_data(london_today()), tmp_path)
    case_ref = started["case_ref"]
    assert started["workflow_id"] == f"case-{case_ref}"
    assert not any(p in case_ref for p in PERSONAL)

    (view_request,) = await stack.mail.wait_for("sin_initial_view_request", LIG_CHAIR,
                                                case_ref=case_ref, timeout=60)
    assert view_request.msg["X-Case-Ref"] == case_ref
    assert view_request.msg["Message-ID"]
    assert "Z.T." in view_request.text and "Zephyrine" not in view_request.raw

    # A mail scanner fetching the link (GET, HEAD) changes nothing.
    async with httpx.AsyncClient(timeout=30) as http:
        page = await http.get(view_request.links[0])
        assert "Zephyrine Testcase" in page.text  # full details only behind a valid link
        assert "Hampshire and Isle of Wight Constabulary" in page.text  # agency names
        assert (await http.head(view_request.links[0])).status_code == 200
        expired_url = expired_copy(view_request.links[0])
        assert (await http.get(expired_url)).status_code == 410
        late = await http.post(expired_url, data={"choice": "notify", "rationale": "late"})
        assert late.status_code == 410 and "expired" in late.text
        # Forged: a post that did not come from our page (no form token, or another site's
        # Origin with a genuine token) is refused and changes nothing.
        answer = {"choice": "do_not_notify", "rationale": "forged"}
        assert (await http.post(view_request.links[0], data=answer)).status_code == 403
        token = form_token((await http.get(view_request.links[0])).text)
        cross = await http.post(view_request.links[0], data={**answer, "csrf": token},
                                headers={"Origin": "https://evil.example.com"})
        assert cross.status_code == 403 and "Nothing was changed" in cross.text
    assert stack.show(case_ref)["decisions"] == []

    done = await follow(view_request, {"choice": "notify", "rationale": "injuries unexplained"})
    assert done.status_code == 200 and "recorded" in done.text

    # Reused: the second POST is refused and nothing changes.
    async with httpx.AsyncClient(timeout=30) as http:
        again = await http.post(view_request.links[0],
                                data={"choice": "do_not_notify", "rationale": "second go"})
        assert again.status_code == 409
        assert "answered by Alex Chair (LIG chair) on" in again.text
        assert case_ref in again.text and "Nothing was changed" in again.text
        # Tampered: one character of the token changed.
        token_url = view_request.links[0]
        tampered = token_url[:-3] + ("A" if token_url[-3] != "A" else "B") + token_url[-2:]
        for method in ("GET", "POST"):
            bad = await http.request(method, tampered,
                                     data={"choice": "notify", "rationale": "x"}
                                     if method == "POST" else None)
            assert bad.status_code == 400 and "not valid" in bad.text

    for role_email in ("police.lig.rep@police.example.org", "icb.lig.rep@icb.example.org"):
        (request,) = await stack.mail.wait_for("sin_partner_response_request", role_email,
                                               case_ref=case_ref, timeout=60)
        response = await follow(request, {"choice": "agree", "rationale": "agreed"})
        assert response.status_code == 200, response.text

    (reference,) = await stack.mail.wait_for("sin_reference_request", SERVICE_DIRECTOR,
                                             case_ref=case_ref, timeout=60)
    missing = await follow(reference, {"choice": "submitted", "reference": ""})
    assert missing.status_code == 422 and "submission reference" in missing.text
    recorded = await follow(reference, {"choice": "submitted", "reference": "SIN-2026-0042"})
    assert recorded.status_code == 200

    await stack.mail.wait_for("sin_local_report", "scrutineer@iow.example.org",
                              case_ref=case_ref, timeout=60)

    # The rapid review starts from the submission (Isle of Wight): agencies answer by link.
    leads = {"health": "safeguarding@trust.example.org",
             "education": "education.safeguarding@iow.example.org"}
    health = (await stack.mail.wait_for("rr_scoping_request", leads["health"],
                                        case_ref=case_ref, timeout=60))[0]
    incomplete = await follow(health, {"choice": "returned", "completer": "T. Lead"})
    assert incomplete.status_code == 422 and "please complete this" in incomplete.text
    returned = await follow(health, {"choice": "returned", **SCOPING})
    assert returned.status_code == 200, returned.text
    education = (await stack.mail.wait_for("rr_scoping_request", leads["education"],
                                           case_ref=case_ref, timeout=60))[0]
    async with httpx.AsyncClient(timeout=30) as http:
        page = await http.get(education.links[0])
        assert "Marigold Testcase" in page.text  # agencies see the family to search records
    assert (await follow(education, {"choice": "not_known"})).status_code == 200

    case = stack.show(case_ref)
    assert case["stage"] == "rapid_review"
    assert case["status"] == "open"
    states = {d["key"]: d["state"] for d in case["deadlines"]}
    sin_states = {k: v for k, v in states.items() if k.startswith("sin.")}
    assert sin_states == {"sin.referral_shared": "met", "sin.initial_view": "met",
                          "sin.partner_responses": "met", "sin.notification": "met",
                          "sin.local_report": "met"}
    assert states["rr.scoping_requests"] == "met"
    assert states["rr.scoping_returns.health"] == "met"
    assert states["rr.scoping_returns.education"] == "met"
    assert states["rr.scoping_returns.police"] == "pending"
    assert states["rr.meeting_window"] == "pending"
    assert states["rr.submission"] == "pending"
    window = next(d for d in case["deadlines"] if d["key"] == "rr.meeting_window")
    assert window["opens"] and window["opens"] < window["due"]
    for d in case["deadlines"]:
        assert d["due"] and d["due_at"].startswith(d["due"])
    decisions = [(d["kind"], d["choice"]) for d in case["decisions"]]
    assert ("initial_view", "notify") in decisions
    assert ("sin_outcome", "notify") in decisions
    assert ("sin_submitted", "SIN-2026-0042") in decisions
    assert ("scoping_return", "returned") in decisions
    assert decisions.count(("partner_response", "agree")) == 2
    sent = case["messages"]
    assert {"template", "to", "sent_at"} <= set(sent[0])
    assert len(sent) == len(stack.mail.find(case_ref=case_ref))
    for mail in stack.mail.find(case_ref=case_ref):
        assert not any(p in mail.subject for p in PERSONAL)

    text = stack.cli("case", "show", case_ref).stdout
    assert case_ref in text and "sin.notification" in text
    listing = json.loads(stack.cli("case", "list", "--json").stdout)
    assert any(row["case_ref"] == case_ref for row in listing)


async def test_expired_link_is_sent_again_from_the_cli(stack: Stack, tmp_path: Path) -> None:
    """The partner's link has expired ("contact the partnership team"): the team sends it again
    with `case resend`, and the partner answers by the new link."""
    case_ref = stack.submit(referral_data(london_today()), tmp_path)["case_ref"]
    (request,) = await stack.mail.wait_for("sin_initial_view_request", LIG_CHAIR,
                                           case_ref=case_ref, timeout=60)
    async with httpx.AsyncClient(timeout=30) as http:
        page = await http.get(expired_copy(request.links[0]))
    assert page.status_code == 410 and "ask the partnership team for a new link" in page.text
    assert "scp@iow.example.org" in page.text and case_ref in page.text

    nobody = stack.cli("case", "resend", case_ref, "--role", "police", check=False)
    assert nobody.returncode == 2
    assert "no open question awaits police" in nobody.stderr
    assert "lig_chair" in nobody.stderr and "la_service_director" in nobody.stderr
    missing = stack.cli("case", "resend", "IOW-2026-ZZZZ", check=False)
    assert missing.returncode == 1 and "no such case" in missing.stderr

    done = stack.cli("case", "resend", case_ref, "--role", "lig_chair")
    assert "sending 1 link(s) again" in done.stdout and "initial_view" in done.stdout
    both = await stack.mail.wait_for("sin_initial_view_request", LIG_CHAIR, count=2,
                                     case_ref=case_ref, timeout=60)
    (again,) = [mail for mail in both if "sent this request again" in mail.text]
    assert (await follow(again, {"choice": "notify", "rationale": "criteria met"})
            ).status_code == 200
    await stack.mail.wait_for("sin_partner_response_request", case_ref=case_ref, count=2,
                              timeout=60)
    assert len(stack.mail.find("sin_initial_view_request", SERVICE_DIRECTOR, case_ref)) == 1

    # An absence is recorded on the case (for the lifecycles to come) and on the SIN decision:
    # the police representative's open request goes to the deputy.
    stack.cli("case", "absent", case_ref, "police")
    assert stack.show(case_ref)["absent_roles"] == ["police"]
    await stack.mail.wait_for("sin_partner_response_request", "scr.team@police.example.org",
                              case_ref=case_ref, timeout=60)
    stack.cli("case", "absent", case_ref, "police", "--back")
    assert stack.show(case_ref)["absent_roles"] == []

    # Commands the case does not take now: each exits 2 with the case's own reason.
    for command, reason in (
            (("sin", "meeting", case_ref, "--outcome", "notify", "--rationale", "agreed"),
             "no resolution meeting is pending (step: partner responses)"),
            (("sin", "reference", case_ref, "SIN-1"), "no submission reference is awaited"),
            (("case", "close", case_ref, "--reason", "done"),
             "the case cannot close while sin-decision is running"),
            (("case", "absent", case_ref, "plumber"), "unknown role 'plumber'")):
        refused = stack.cli(*command, check=False)
        assert refused.returncode == 2, refused
        assert f"{case_ref}: refused: " in refused.stderr and reason in refused.stderr
    assert not [d for d in stack.show(case_ref)["decisions"] if d["kind"] != "initial_view"]


async def test_bad_referral_is_refused_and_starts_nothing(stack: Stack, tmp_path: Path) -> None:
    before = json.loads(stack.cli("case", "list", "--json").stdout)
    data = referral_data(london_today(), incident="fire", agencies_involved=["police", "nasa"])
    del data["child"]["first_name"]
    data["aware_on"] = "2999-01-01"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    result = stack.cli("referral", "submit", str(path), check=False)
    assert result.returncode == 2
    for field in ("incident", "child.first_name", "aware_on", "agencies_involved"):
        assert field in result.stderr, field
    assert result.stdout == ""
    not_json = tmp_path / "broken.json"
    not_json.write_text("{not json")
    broken = stack.cli("referral", "submit", str(not_json), check=False)
    assert broken.returncode == 2 and "not valid JSON" in broken.stderr
    after = json.loads(stack.cli("case", "list", "--json").stdout)
    assert after == before


async def test_intake_api(stack: Stack) -> None:
    body = referral_data(london_today())
    async with httpx.AsyncClient(base_url=stack.web, timeout=30) as http:
        assert (await http.post("/api/referrals", json=body)).status_code == 401
        wrong = await http.post("/api/referrals", json=body,
                                headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        auth = {"Authorization": "Bearer e2e-intake-token"}
        bad = await http.post("/api/referrals", json={**body, "incident": "fire"}, headers=auth)
        assert bad.status_code == 422
        assert [p["field"] for p in bad.json()["detail"]] == ["incident"]
        ok = await http.post("/api/referrals", json=body, headers=auth)
        assert ok.status_code == 201
        assert ok.json()["workflow_id"] == f"case-{ok.json()['case_ref']}"
        assert (await http.get("/healthz")).json() == {"status": "ok"}


async def test_temporal_stores_no_plaintext_personal_data(stack: Stack, tmp_path: Path) -> None:
    """What the server keeps (and its UI shows without the codec) is ciphertext: read the raw
    history and description through a client that has no codec."""
    case_ref = stack.submit(referral_data(london_today()), tmp_path)["case_ref"]
    await stack.mail.wait_for("sin_initial_view_request", LIG_CHAIR, case_ref=case_ref,
                              timeout=60)
    raw = await Client.connect(stack.local.env()["TEMPORAL_ADDRESS"])
    for workflow_id in (f"case-{case_ref}", f"case-{case_ref}.sin-decision"):
        history = await raw.get_workflow_handle(workflow_id).fetch_history()
        described = await raw.workflow_service.describe_workflow_execution(
            DescribeWorkflowExecutionRequest(namespace=raw.namespace,
                                             execution=WorkflowExecution(workflow_id=workflow_id)))
        stored = b"".join(e.SerializeToString() for e in history.events)
        stored += described.SerializeToString()
        for personal in PERSONAL:
            assert personal.encode() not in stored, (workflow_id, personal)

    # The control: the same stored input holds the referral once decrypted, by the product's
    # own client and by the codec endpoint an operator's Temporal UI calls.
    history = await raw.get_workflow_handle(f"case-{case_ref}").fetch_history()
    sealed = list(history.events[0].workflow_execution_started_event_attributes.input.payloads)
    assert all(p.metadata["encoding"] == b"binary/encrypted" for p in sealed)
    codec = (await stack.client()).data_converter.payload_codec
    assert codec is not None
    opened = await codec.decode(sealed)
    assert b"Zephyrine" in opened[0].data and b"Quillfeather" in opened[0].data
    async with httpx.AsyncClient(base_url=stack.web, timeout=30) as http:
        body = json_format.MessageToJson(Payloads(payloads=sealed))
        ui = await http.post(f"/codec/{OPERATOR_TOKEN}/decode", content=body,
                             headers={"Origin": stack.local.env()["TEMPORAL_UI_ORIGIN"]})
        assert ui.status_code == 200
        assert ui.headers["access-control-allow-origin"] == \
            stack.local.env()["TEMPORAL_UI_ORIGIN"]
        assert b"Zephyrine" in json_format.Parse(ui.text, Payloads()).payloads[0].data
        assert (await http.post("/codec/not-the-token/decode", content=body)).status_code == 401
