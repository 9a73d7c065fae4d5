"""Bad input, generated (hypothesis), against the running web app and the CLI: malformed
referrals, forged or mangled links, nonsense form posts. Never a 500 or a traceback; every
refusal names a problem; no refused referral starts a case; no refused post changes a case.

Examples are derandomised so CI runs the same ones every time (a failure reproduces), and
there is no example database left behind.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from domain.calendar import london_today
from starter.cli import app as cli_app
from tests.e2e.conftest import Stack, _running
from tests.support import BASE64URL, eventually, form_token, referral_data

EXAMPLES = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])
REQUIRED = ["received_on", "aware_on", "incident_on", "incident", "abuse_or_neglect",
            "location", "child", "referrer", "referred_for", "case_outline",
            "reason_for_referral", "criminal_investigation"]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8)


@st.composite
def malformed_referrals(draw: st.DrawFn) -> bytes:
    """Mostly near misses of a valid referral (what intake really gets), some pure junk."""
    data: dict[str, Any] = referral_data(london_today())
    kind = draw(st.sampled_from(["drop", "retype", "extra", "child", "junk", "bytes"]))
    if kind == "drop":
        del data[draw(st.sampled_from(REQUIRED))]
    elif kind == "retype":
        data[draw(st.sampled_from(sorted(data)))] = draw(json_values)
    elif kind == "extra":
        data[draw(st.text(min_size=1).filter(lambda k: k not in data))] = draw(json_values)
    elif kind == "child":
        data["child"][draw(st.sampled_from(sorted(data["child"])))] = draw(json_values)
    elif kind == "junk":
        return json.dumps(draw(json_values)).encode()
    else:
        return draw(st.binary(max_size=200))
    return json.dumps(data).encode()


@pytest.fixture(scope="module")
def bad_input_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from _running(tmp_path_factory.mktemp("bad-input"), "isle-of-wight.toml")


async def case_count(stack: Stack) -> int:
    client = await stack.client()
    return (await client.count_workflows("WorkflowType = 'CaseWorkflow'")).count


async def test_intake_api_never_fails_and_starts_only_what_it_accepts(
        bad_input_stack: Stack) -> None:
    stack = bad_input_stack
    before = await case_count(stack)
    accepted: list[str] = []

    @EXAMPLES
    @given(body=malformed_referrals())
    def post(body: bytes) -> None:
        response = httpx.post(f"{stack.web}/api/referrals", content=body, timeout=30,
                              headers={"Authorization": "Bearer e2e-intake-token",
                                       "Content-Type": "application/json"})
        assert response.status_code in (201, 422), (response.status_code, response.text)
        if response.status_code == 422:
            assert response.json()["detail"], "a refusal names its problems"
            assert all(p["field"] and p["message"] for p in response.json()["detail"])
        else:
            accepted.append(response.json()["case_ref"])

    post()
    await eventually(lambda: case_count(stack), lambda n: n == before + len(accepted),
                     what=f"{len(accepted)} new case(s) and no others")


def test_cli_never_fails_and_starts_only_what_it_accepts(bad_input_stack: Stack,
                                                        tmp_path: Path) -> None:
    # Not async: the CLI runs its own event loop, as it does in a terminal.
    stack = bad_input_stack
    before = asyncio.run(case_count(stack))
    accepted: list[str] = []
    runner = CliRunner()
    env = {k: v for k, v in stack.local.env().items() if k.isupper()}
    path = tmp_path / "referral.json"

    @EXAMPLES
    @given(body=malformed_referrals())
    def submit(body: bytes) -> None:
        path.write_bytes(body)
        result = runner.invoke(cli_app, ["referral", "submit", str(path)], env=env)
        assert result.exit_code in (0, 2), (result.exit_code, result.output, result.exception)
        assert result.exception is None or isinstance(result.exception, SystemExit)
        if result.exit_code == 2:
            assert "Traceback" not in result.output
            assert result.stdout == ""  # nothing printed as if a case had started
        else:
            accepted.append(json.loads(result.stdout)["case_ref"])

    submit()
    asyncio.run(eventually(lambda: case_count(stack), lambda n: n == before + len(accepted),
                           what=f"{len(accepted)} new case(s) and no others"))


async def test_mangled_links_and_nonsense_answers_change_nothing(bad_input_stack: Stack,
                                                                 tmp_path: Path) -> None:
    stack = bad_input_stack
    case_ref = stack.submit(referral_data(london_today()), tmp_path)["case_ref"]
    (request,) = await stack.mail.wait_for("sin_initial_view_request",
                                           "lig.chair@iow.example.org", case_ref=case_ref,
                                           timeout=60)
    url = request.links[0]
    base, token = url.rsplit("/", 1)
    genuine_form = form_token(httpx.get(url, timeout=30).text)

    @EXAMPLES
    @given(mangled=st.one_of(
        st.text(max_size=300),
        st.tuples(st.integers(0, len(token) - 1),
                  st.sampled_from(BASE64URL + "."))
        .map(lambda change: token[:change[0]] + change[1] + token[change[0] + 1:])
        .filter(lambda t: t != token)))
    def mangled_link(mangled: str) -> None:
        target = f"{base}/{quote(mangled, safe='')}"
        for response in (httpx.get(target, timeout=30),
                         httpx.post(target, data={"choice": "notify", "rationale": "x",
                                                  "csrf": genuine_form}, timeout=30)):
            assert response.status_code in (400, 404, 405, 410), response.status_code

    @EXAMPLES
    @given(form=st.dictionaries(st.sampled_from(["choice", "rationale", "csrf", "reference",
                                                 "extra"]), st.text(max_size=200)),
           with_form_token=st.booleans())
    def nonsense_answer(form: dict[str, str], with_form_token: bool) -> None:
        if form.get("choice", "").strip() in ("notify", "do_not_notify"):
            form["choice"] = "maybe"  # only nonsense here: a real answer would be recorded
        if with_form_token:
            form["csrf"] = genuine_form
        response = httpx.post(url, data=form, timeout=30)
        assert response.status_code in (403, 422), (response.status_code, response.text)

    mangled_link()
    nonsense_answer()
    case = stack.show(case_ref)
    assert [d for d in case["decisions"] if d["kind"] == "initial_view"] == []
    assert httpx.get(url, timeout=30).status_code == 200  # still open, still answerable
