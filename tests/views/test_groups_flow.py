"""Comparison groups stay together and one click compares: Status pages by group, every send
says what it made (with links), "Send the same again" really sends (a new comparison), and a
group's link opens its Side by side view with one control that plays every output."""

from __future__ import annotations

import uuid
from datetime import timedelta
from urllib.parse import parse_qs

from streamlit.testing.v1 import AppTest

from lipsync_core.flows.model import Job, utc_now
from tests.views.conftest import APP, APP_TIMEOUT
from ui import keys
from ui.runtime import Runtime

STATUS, COMPARE = "views/status_page.py", "views/compare_page.py"
EVERY = "AusyncLab Prime, AusyncLab Nova, Kling and TwinSync"
TRIO = [("ausynclab", "prime"), ("kling", "advanced-lip-sync"), ("twinsync", "videotalking")]
TRIO_NAMES = ["AusyncLab Prime", "Kling", "TwinSync"]  # as people know them, not model ids


def seed(runtime: Runtime, lone: int, groups: int) -> list[str]:
    """``lone`` single jobs (newest), then ``groups`` comparisons of three; the groups' ids,
    newest first."""
    store, now, jobs, ids = runtime.service.store, utc_now(), [], []
    for n in range(lone):
        at = now - timedelta(minutes=n)
        jobs.append(Job(id=uuid.uuid4().hex, provider="twinsync", model="videotalking",
                        title=f"alone {n}", created_at=at, updated_at=at))  # fmt: skip
    for g in range(groups):
        group = store.insert_group(uuid.uuid4().hex).id
        ids.append(group)
        for s, (provider, model) in enumerate(TRIO):
            at = now - timedelta(minutes=lone + g, seconds=s)
            jobs.append(Job(id=uuid.uuid4().hex, provider=provider, model=model, group_id=group,
                            created_at=at, updated_at=at))  # fmt: skip
    store.insert_many(jobs)
    return ids


def open_page(page: str, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=APP_TIMEOUT)
    at.run()
    for name, value in query.items():
        at.query_params[name] = value
    at.switch_page(page).run()
    assert not at.exception
    return at


def links(at: AppTest) -> list[tuple[str, dict[str, list[str]]]]:
    """Every page link: its label and its query parameters."""
    return [(e.proto.label, parse_qs(e.proto.query_string)) for e in at.get("page_link")]


def comparison_lines(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("**Comparison**")]


def test_a_page_of_the_status_never_cuts_a_comparison(runtime: Runtime) -> None:
    """Nine single jobs and two comparisons of three at 10 per page: page 1 holds the nine and
    the first comparison whole (12 cards), page 2 the second one whole."""
    first, second = seed(runtime, lone=9, groups=2)
    at = open_page(STATUS)
    whole = "**Comparison**: the same video and audio sent to AusyncLab Prime, Kling and TwinSync"
    assert comparison_lines(at) == [whole]
    assert [q["group"] for _, q in links(at) if "group" in q] == [[first]]
    assert at.session_state[keys.STATUS_PAGE_SIZE] == 10
    at.session_state[keys.STATUS_PAGE] = 2
    at.run()
    assert not at.exception
    assert comparison_lines(at) == [whole]
    assert [q["group"] for _, q in links(at) if "group" in q] == [[second]]


def compare_everything(at: AppTest) -> AppTest:
    """One click fills the form and asks; "Yes, send it" sends."""
    at.button(key=keys.SUBMIT_COMPARE_ALL).click().run()
    assert not at.exception
    return at


def test_compare_every_provider_asks_then_says_what_it_made(app: AppTest, runtime) -> None:
    """The sample, every provider ticked, the cost dialog before anything is sent; then one new
    comparison of four jobs, said in one sentence, with links to its cards and Side by side."""
    compare_everything(app)
    asked = [t.value for t in app.text]
    assert any(t.startswith(f"Send to {EVERY}? This will cost about") for t in asked), asked
    assert runtime.service.store.count() == 0, "nothing is sent before the cost is confirmed"
    app.button(key=keys.SPEND_YES).click().run()
    assert not app.exception
    jobs = runtime.service.history(page_size=50).jobs
    assert len(jobs) == 4 and len({job.group_id for job in jobs}) == 1
    assert f"Sent 4 jobs as a new comparison: {EVERY}. The status cards update by themselves." in [
        s.value for s in app.success
    ]
    assert links(app) == [
        ("Open the status cards", {}),
        ("See them side by side", {"group": [jobs[0].group_id]}),
    ]


def test_send_the_same_again_makes_a_new_comparison(app: AppTest, runtime) -> None:
    """After a comparison, "Send the same again as new jobs" sends (after the same cost dialog:
    Nova's cost asks): a second group of four, the first group unchanged."""
    compare_everything(app).button(key=keys.SPEND_YES).click().run()
    (first,) = {job.group_id for job in runtime.service.history(page_size=50).jobs}
    app.button(key=keys.SUBMIT_AGAIN).click().run()
    assert keys.SPEND_ASKING in app.session_state, "Nova's cost asks first, on every send"
    app.button(key=keys.SPEND_YES).click().run()
    assert not app.exception
    jobs = runtime.service.history(page_size=50).jobs
    groups = {job.group_id for job in jobs}
    assert len(jobs) == 8 and len(groups) == 2 and first in groups
    (second,) = groups - {first}
    assert len(runtime.service.group(first)[1]) == 4 and len(runtime.service.group(second)[1]) == 4
    assert any(
        s.value.startswith(f"Sent 4 jobs as a new comparison: {EVERY}.") for s in app.success
    )
    assert ("See them side by side", {"group": [second]}) in links(app)


def test_a_groups_link_opens_its_side_by_side_view_once_each(runtime: Runtime) -> None:
    """/compare?group=<older group>: Side by side shows that comparison, one tile per job."""
    newer, older = seed(runtime, lone=0, groups=2)
    at = open_page(COMPARE, group=older)
    assert at.selectbox(key=keys.COMPARE_GROUP).value == older
    tiles = [m.value for m in at.markdown if m.value.strip("*") in TRIO_NAMES]
    assert sorted(tiles) == sorted(f"**{name}**" for name in TRIO_NAMES), "each once, by name"
    at.selectbox(key=keys.COMPARE_GROUP).set_value(newer).run()
    assert not at.exception
    assert at.query_params["group"] == newer
