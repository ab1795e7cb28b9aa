"""The blind test: two results of one comparison, unnamed and in random order, judged by a person.

The pair is drawn from comparison groups with at least two finished results, preferring pairs
this person has not judged yet; which result is A is a coin toss. Both play from one control
(:mod:`ui.compare.play_together`); the person picks A, B or "as good as each other", the vote is
kept (:class:`lipsync_core.votes.VoteStore`, who through :func:`ui.people.actor`), and
only then are the providers shown, with the measured figures of both. Below, the ranking from
everyone's votes next to what the measures say (:mod:`ui.compare.ranking_table`).
"""

from __future__ import annotations

import random
from itertools import combinations

import streamlit as st

from lipsync_core.flows.model import Job
from lipsync_core.i18n import N_, _, translate_stored
from lipsync_core.ranking import Winner
from lipsync_core.votes import VoteError, VoteStore
from ui import keys
from ui.cards import playable_output
from ui.compare.play_together import play_together
from ui.compare.ranking_table import render_ranking
from ui.labels import target_label
from ui.people import actor, signed_in
from ui.plain import plain
from ui.quality import quality_figures
from ui.runtime import Runtime

Pair = tuple[str, str, str]
CHOICES = ((Winner.LEFT, N_("A is better")), (Winner.TIE, N_("As good as each other")),
           (Winner.RIGHT, N_("B is better")))  # fmt: skip
PICKED = {Winner.LEFT: N_("You picked A."), Winner.RIGHT: N_("You picked B."),
          Winner.TIE: N_("You found them as good as each other.")}  # fmt: skip


def pick_pair(
    candidates: dict[str, list[str]], judged: set[frozenset[str]], chance: random.Random
) -> Pair | None:
    """A pair of results of one group, in random order: one not judged yet if there is one."""
    pairs = [(g, a, b) for g, ids in candidates.items() for a, b in combinations(ids, 2)]
    fresh = [pair for pair in pairs if frozenset(pair[1:]) not in judged]
    if not (fresh or pairs):
        return None
    group, first, second = chance.choice(fresh or pairs)
    return (group, second, first) if chance.random() < 0.5 else (group, first, second)


def render_blind_test(runtime: Runtime) -> None:
    votes = VoteStore(runtime.service.store)
    st.caption(
        _(
            "Two results of the same video and audio, without their providers' names and in "
            "random order. Play them together, then pick the one whose lips follow the speech "
            "better; the providers are shown after your vote. Voting as {voter}."
        ).format(voter=_voter_words())
    )
    told = st.session_state.pop(keys.BLIND_MESSAGE, None)
    if told:
        st.warning(plain(translate_stored(told)))
    pair = current_pair(runtime, votes)
    if pair is None:
        st.info(
            _(
                "No comparison has two finished results yet: on the Submit page, send one video "
                "and audio to several providers at once, and their results can be judged here."
            )
        )
    else:
        _judge(runtime, votes, pair)
    st.subheader(_("Ranking from everyone's votes"))
    render_ranking(runtime, votes)


def current_pair(runtime: Runtime, votes: VoteStore) -> tuple[str, Job, Job] | None:
    """The pair being judged (kept across reruns), or a new one when there is none."""
    kept = st.session_state.get(keys.BLIND_PAIR)
    if kept is not None:
        found = _jobs(runtime, kept)
        if found is not None:
            return found
    judged = votes.voted_pairs(actor()) | st.session_state.get(keys.BLIND_PASSED, set())
    pair = pick_pair(votes.candidates(), judged, random.SystemRandom())
    st.session_state[keys.BLIND_PAIR] = pair
    st.session_state.pop(keys.BLIND_VOTED, None)
    return _jobs(runtime, pair) if pair is not None else None


def _jobs(runtime: Runtime, pair: Pair) -> tuple[str, Job, Job] | None:
    group, left, right = pair
    found = {job.id: job for job in runtime.service.get_many([left, right])}
    if left not in found or right not in found:
        return None
    return group, found[left], found[right]


def _judge(runtime: Runtime, votes: VoteStore, pair: tuple[str, Job, Job]) -> None:
    group, left, right = pair
    voted = st.session_state.get(keys.BLIND_VOTED)
    with st.container(key=keys.BLIND_PLAYERS):
        for column, name, job in zip(st.columns(2), "AB", (left, right), strict=True):
            with column:
                st.markdown(_("**Result {name}**").format(name=name))
                _player(job)
                if voted is not None:
                    target = target_label(job.provider, job.model)
                    st.markdown(_("**{target}** · sandbox").format(target=target) if job.sandbox
                                else f"**{target}**")  # fmt: skip
                    st.caption(plain(quality_figures(job)))
    play_together(keys.BLIND_PLAYERS, key=keys.BLIND_PLAY_BOTH)
    if voted is None:
        row = st.container(horizontal=True, gap="small")
        for winner, words in CHOICES:
            row.button(_(words), key=keys.blind_vote(winner.value), on_click=_vote,
                       args=(votes, (group, left.id, right.id), winner))  # fmt: skip
        row.button(_("Skip this pair"), key=keys.BLIND_SKIP, type="tertiary", on_click=_next,
                   args=(left.id, right.id))  # fmt: skip
        return
    names = {"A": target_label(left.provider, left.model),
             "B": target_label(right.provider, right.model)}  # fmt: skip
    st.success(
        _("{picked} A was {a}; B was {b}. Thank you!").format(
            picked=_(PICKED[Winner(voted)]), a=names["A"], b=names["B"]
        )
    )
    st.button(_("Next pair"), key=keys.BLIND_NEXT, type="primary", on_click=_next,
              args=(left.id, right.id))  # fmt: skip


def _player(job: Job) -> None:
    playable = playable_output(job)
    if playable:
        st.video(playable)
    else:
        st.caption(_("This result can no longer be played."))


def _vote(votes: VoteStore, pair: Pair, winner: Winner) -> None:
    try:
        votes.record(*pair, winner, voter=actor())
    except VoteError as exc:
        st.session_state[keys.BLIND_MESSAGE] = str(exc)
        _next(pair[1], pair[2])
        return
    st.session_state[keys.BLIND_VOTED] = winner


def _next(left: str, right: str) -> None:
    """Forget the pair shown (and do not draw it again in this session)."""
    passed = st.session_state.setdefault(keys.BLIND_PASSED, set())
    passed.add(frozenset((left, right)))
    st.session_state.pop(keys.BLIND_PAIR, None)
    st.session_state.pop(keys.BLIND_VOTED, None)


def _voter_words() -> str:
    """Who votes, in words: the signed-in person's name, or this computer without sign-in."""
    person = signed_in()
    return person.name if person else _("this computer")
