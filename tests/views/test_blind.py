"""The blind test on the Compare page: two unnamed results of one comparison, a vote kept with who,
when and which pair, the providers revealed only after it, and the ranking from every vote."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lipsync_core.ranking import Winner
from lipsync_core.votes import VoteStore
from tests.views.conftest import read
from tests.views.test_quality_cards import COMPARE, MOVING, STILL_REPORT, open_page, seed_results
from ui import keys
from ui.labels import target_label
from ui.runtime import Runtime

BLIND = 3
MEMBERS = [
    ("ausynclab", "nova", MOVING),
    ("twinsync", "videotalking", STILL_REPORT),
    ("ausynclab", "prime", STILL_REPORT),
]
NAMES = ["AusyncLab", "TwinSync", "Nova", "Prime"]


def blind_texts(app: AppTest) -> list[str]:
    """Everything written on the blind test tab above the ranking."""
    tab = app.tabs[BLIND]
    kinds = (tab.markdown, tab.caption, tab.success, tab.warning, tab.info)
    return [read(element.value) for kind in kinds for element in kind]


def shown_pair(app: AppTest) -> tuple[str, str, str]:
    return app.session_state[keys.BLIND_PAIR]


def ranking(app: AppTest):
    return app.tabs[BLIND].dataframe[0].value.set_index("Provider / model")


@pytest.fixture
def comparison(runtime: Runtime, sample_video_path: Path):
    """A finished comparison of three results, each measured."""
    return seed_results(runtime, sample_video_path, MEMBERS)


def test_the_pair_plays_unnamed_and_the_vote_reveals_the_providers(runtime, comparison):
    """Two players named A and B only; after "A is better" the vote is kept and names shown."""
    app = open_page(COMPARE)
    tab = app.tabs[BLIND]
    assert len(tab.get("video")) == 2
    before = " ".join(t for t in blind_texts(app) if not t.startswith("Rows marked"))
    assert "**Result A**" in before and "**Result B**" in before
    assert not any(name in before for name in NAMES), "no provider named before the vote"
    group, left, right = shown_pair(app)
    app.button(key=keys.blind_vote("left")).click().run()
    assert not app.exception
    (vote,) = VoteStore(runtime.service.store).all()
    assert (vote.group_id, vote.left_job_id, vote.right_job_id) == (group, left, right)
    assert vote.winner is Winner.LEFT and vote.voter is None
    jobs = {job.id: job for job in comparison}
    a, b = (target_label(jobs[i].provider, jobs[i].model) for i in (left, right))
    assert f"You picked A. A was {a}; B was {b}. Thank you!" in blind_texts(app)
    assert len(app.tabs[BLIND].get("video")) == 2, "the players stay"
    table = ranking(app)
    assert table.loc[f"{a} (sandbox)", "Rank"] == "1"
    assert table.loc[f"{a} (sandbox)", "Won · tied · lost"] == "1 · 0 · 0"
    assert table.loc[f"{b} (sandbox)", "Won · tied · lost"] == "0 · 0 · 1"
    assert table.loc[f"{a} (sandbox)", "Rating"] > table.loc[f"{b} (sandbox)", "Rating"]


def test_next_pair_draws_one_not_judged_yet_until_all_are(runtime, comparison):
    """Three results make three pairs: each vote's next pair is new; ties count for both."""
    app = open_page(COMPARE)
    seen = set()
    for _ in range(3):
        _, left, right = shown_pair(app)
        assert frozenset((left, right)) not in seen
        seen.add(frozenset((left, right)))
        app.button(key=keys.blind_vote("tie")).click().run()
        assert "You found them as good as each other." in " ".join(blind_texts(app))
        app.button(key=keys.BLIND_NEXT).click().run()
        assert not app.exception
    votes = VoteStore(runtime.service.store).all()
    assert len(votes) == 3 and {v.winner for v in votes} == {Winner.TIE}
    assert {v.pair for v in votes} == seen
    table = ranking(app)
    assert set(table["Won · tied · lost"]) == {"0 · 2 · 0"}
    assert set(table["Rating"]) == {1000.0}


def test_a_skipped_pair_is_not_voted_on(runtime, comparison):
    """Skip draws another pair and keeps no vote."""
    app = open_page(COMPARE)
    first = shown_pair(app)
    app.button(key=keys.BLIND_SKIP).click().run()
    assert not app.exception
    assert frozenset(shown_pair(app)[1:]) != frozenset(first[1:])
    assert VoteStore(runtime.service.store).all() == []


def test_a_vote_on_a_result_removed_meanwhile_is_not_counted(runtime, comparison):
    """The result left the history before the vote: a plain warning, no vote, another pair."""
    app = open_page(COMPARE)
    _, left, _ = shown_pair(app)
    runtime.service.remove(left)
    app.button(key=keys.blind_vote("right")).click().run()
    assert not app.exception
    assert VoteStore(runtime.service.store).all() == []
    assert any("This vote was not counted" in t for t in blind_texts(app))
    assert left not in shown_pair(app)


def test_the_ranking_sits_next_to_the_measured_figures(runtime, comparison):
    """Per provider/model: votes, and what the measures found of its results."""
    app = open_page(COMPARE)
    table = ranking(app)
    nova = table.loc["AusyncLab Nova (sandbox)"]
    assert (nova["Rank"], nova["Won · tied · lost"], nova["Votes"]) == ("–", "–", 0)
    assert (nova["Measured results"], nova["Mouth moves"]) == (1, 1.0)
    assert nova["Median offset (ms)"] == pytest.approx(40.2)
    assert table.loc["TwinSync (sandbox)", "Mouth moves"] == 0.0
    assert any(c.value.startswith("Rows marked (sandbox)") for c in app.tabs[BLIND].caption)


def test_without_a_comparison_the_blind_test_says_where_to_start(runtime):
    """No comparison with two finished results: a plain pointer to the Submit page."""
    app = open_page(COMPARE)
    infos = [i.value for i in app.tabs[BLIND].info]
    assert infos[0].startswith("No comparison has two finished results yet")
    assert "No votes and no measured results yet." in infos
    assert len(app.tabs[BLIND].get("video")) == 0
