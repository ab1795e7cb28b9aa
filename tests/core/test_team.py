"""The team module on a real database (SQLite, then PostgreSQL): the activity list, and the team
settings saved compare-and-set, so that two people's edits never overwrite each other silently.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from lipsync_core.schema import activity, make_engine, migrate, team_settings
from lipsync_core.spending import DEFAULT_CREDIT_LIMIT, DEFAULT_LIMIT
from lipsync_core.team import (
    PRICES,
    Action,
    SavedSettings,
    SettingsChanged,
    Team,
    TeamSettings,
)

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
ANA, BAO = "ana@example.com", "bao@example.com"


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: float = 60) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def team(database_url: str, clock: Clock) -> Team:
    """The team records over an empty, migrated database."""
    engine = make_engine(database_url)
    migrate(engine)
    yield Team(engine, clock=clock)
    engine.dispose()


def test_settings_are_the_defaults_until_someone_saves(team: Team) -> None:
    """Nobody saved yet: version 0, nobody, never, and the documented defaults."""
    saved = team.settings()
    assert saved == SavedSettings(TeamSettings(), 0, None, None)
    assert (saved.values.currency, saved.values.ptc, saved.values.ausynclab_credit) == (
        "USD",
        1.0,
        None,
    )
    assert (saved.values.currency_limit, saved.values.credit_limit) == (
        DEFAULT_LIMIT,
        DEFAULT_CREDIT_LIMIT,
    )


def test_a_save_keeps_the_values_who_and_when(team: Team, clock: Clock) -> None:
    """What one person saves is what everyone reads next, with their name and the time."""
    values = TeamSettings(currency="EUR", ptc=0.9, ausynclab_credit=0.002, currency_limit=20)
    saved = team.save_settings(values, expected_version=0, actor=ANA)
    assert saved == SavedSettings(values, 1, ANA, T0)
    assert team.settings() == saved
    clock.tick()
    again = team.save_settings(
        values.model_copy(update={"ptc": 1.1}), expected_version=1, actor=BAO
    )
    assert (again.version, again.updated_by, again.updated_at) == (
        2,
        BAO,
        T0 + timedelta(seconds=60),
    )
    assert team.settings().values.ptc == 1.1


@pytest.mark.parametrize("first_version", [0, 1], ids=["first-save", "later-save"])
def test_a_save_from_an_old_version_loses_and_says_what_is_saved(
    team: Team, first_version: int
) -> None:
    """Two people edit from the same version: the first wins, the second's save raises
    SettingsChanged carrying the first's values, and nothing of the second is written."""
    if first_version == 1:
        team.save_settings(TeamSettings(currency="VND"), expected_version=0, actor=BAO)
    ana = TeamSettings(currency="EUR", ptc=0.9)
    bao = TeamSettings(currency="GBP", ptc=0.8)
    team.save_settings(ana, expected_version=first_version, actor=ANA)
    with pytest.raises(SettingsChanged) as refused:
        team.save_settings(bao, expected_version=first_version, actor=BAO)
    assert refused.value.current.values == ana
    assert refused.value.current.updated_by == ANA
    assert str(refused.value).startswith(f"{ANA} changed the team's prices and limits meanwhile")
    assert team.settings().values == ana
    assert team.settings().version == first_version + 1


@pytest.mark.parametrize("people", [2, 6])
@pytest.mark.parametrize("base", [0, 1], ids=["first-save", "later-save"])
def test_concurrent_saves_from_one_version_let_exactly_one_win(
    team: Team, people: int, base: int
) -> None:
    """Several people press Save at the same moment from one version: one save is written, every
    other one is refused (none is lost without its author being told)."""
    if base == 1:
        team.save_settings(TeamSettings(currency="EUR"), expected_version=0, actor="first")
    start = threading.Barrier(people)
    outcomes: dict[int, str] = {}

    def save(n: int) -> None:
        values = TeamSettings(ptc=2.0 + n)
        start.wait()
        try:
            team.save_settings(values, expected_version=base, actor=f"person{n}@example.com")
            outcomes[n] = "saved"
        except SettingsChanged:
            outcomes[n] = "told"

    threads = [threading.Thread(target=save, args=(n,)) for n in range(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    winners = [n for n, outcome in outcomes.items() if outcome == "saved"]
    assert len(outcomes) == people and len(winners) == 1
    saved = team.settings()
    assert saved.version == base + 1
    assert saved.values.ptc == 2.0 + winners[0]
    assert saved.updated_by == f"person{winners[0]}@example.com"
    changes = [a for a in team.recent() if a.action == Action.SETTINGS_CHANGED]
    assert len(changes) == base + 1


def test_saving_the_same_values_changes_nothing(team: Team) -> None:
    """A save that changes no value writes no new version and no activity."""
    values = TeamSettings(currency="EUR")
    team.save_settings(values, expected_version=0, actor=ANA)
    assert team.save_settings(values, expected_version=1, actor=BAO).version == 1
    assert team.settings().updated_by == ANA
    assert len(team.recent()) == 1


def test_a_settings_change_is_in_the_activity_list_with_old_and_new(team: Team) -> None:
    """The activity row says who changed which value from what to what."""
    values = TeamSettings(currency="EUR", twinsync_per_second=0.05)
    team.save_settings(values, expected_version=0, actor=ANA)
    (change,) = team.recent()
    assert (change.actor, change.action, change.subject, change.at) == (
        ANA,
        "settings_changed",
        PRICES,
        T0,
    )
    assert change.details == {
        "changes": {"currency": ["USD", "EUR"], "twinsync_per_second": [None, 0.05]}
    }


def test_a_damaged_settings_row_reads_as_the_defaults_and_can_be_saved_over(team: Team) -> None:
    """A row whose JSON cannot be read never stops the pages: the defaults, at its version, and
    the next save (naming that version) replaces it."""
    row = {"name": PRICES, "data": "{not json", "version": 4, "updated_by": ANA}
    with team.engine.begin() as connection:
        connection.execute(team_settings.insert().values(**row, updated_at=T0.replace(tzinfo=None)))
    saved = team.settings()
    assert (saved.values, saved.version, saved.updated_by) == (TeamSettings(), 4, ANA)
    team.save_settings(TeamSettings(currency="EUR"), expected_version=4, actor=BAO)
    assert team.settings().values.currency == "EUR"


@pytest.mark.parametrize(
    "values",
    [
        {"currency": "E1"},
        {"currency": "usd"},
        {"currency": "EURO"},
        {"ptc": -1.0},
        {"ausynclab_credit": -0.1},
        {"twinsync_per_second": -2.0},
        {"currency_limit": -5.0},
        {"credit_limit": -1.0},
    ],
)
def test_impossible_values_are_refused_before_anything_is_saved(values: dict) -> None:
    """A currency that is not three capital letters, or a negative price or limit, is refused."""
    with pytest.raises(ValidationError):
        TeamSettings(**values)


@pytest.mark.parametrize(
    ("settings", "reasons"),
    [
        (TeamSettings(), []),
        (
            TeamSettings(ptc=100.0),
            ["The total, USD 7.70, is above the team's limit of USD 5.00."],
        ),
        (TeamSettings(ptc=100.0, currency_limit=10.0), []),
        (TeamSettings(credit_limit=100.0), []),
    ],
    ids=["defaults", "ptc-dear", "limit-raised", "credits-not-used"],
)
def test_the_cost_check_uses_the_team_prices_and_limits(
    settings: TeamSettings, reasons: list[str]
) -> None:
    """Kling's 0.077 PTC asks first only when the team's PTC price puts it above their limit."""
    spend = settings.check([("kling", "advanced-lip-sync")], 5.0)
    assert spend.reasons == reasons


def test_the_credit_limit_asks_first_for_nova() -> None:
    """5 s of Nova is 25,000 credits: above the team's credit limit of 10,000."""
    spend = TeamSettings().check([("ausynclab", "nova")], 5.0)
    assert spend.reasons == [
        "It uses 25,000 AusyncLab credits, above the team's limit of 10,000 credits."
    ]


def test_the_twinsync_price_is_in_the_team_currency() -> None:
    """The team's TwinSync price goes with jobs in the team's currency; none when unset."""
    assert TeamSettings().twinsync_price is None
    price = TeamSettings(currency="EUR", twinsync_per_second=0.05).twinsync_price
    assert price is not None and (price.per_second, price.currency) == (0.05, "EUR")


def test_recent_activity_is_newest_first_and_bounded(team: Team, clock: Clock) -> None:
    """The list gives the newest actions first, at most the number asked for."""
    for n in range(25):
        team.record(ANA if n % 2 else None, Action.REMOVED, f"job{n}", {"n": n})
        clock.tick(1)
    recent = team.recent(20)
    assert [a.subject for a in recent] == [f"job{n}" for n in range(24, 4, -1)]
    assert recent[0].actor is None and recent[1].actor == ANA
    assert recent[0].details == {"n": 24}
    assert recent[0].at == T0 + timedelta(seconds=24)


def test_actions_at_the_same_moment_keep_their_order(team: Team) -> None:
    """Two actions in the same second are listed newest (last recorded) first."""
    team.record(ANA, Action.SENT, "first")
    team.record(BAO, Action.SENT, "second")
    assert [a.subject for a in team.recent()] == ["second", "first"]


def test_an_unknown_action_or_broken_details_still_read(team: Team) -> None:
    """A row from a newer version (an action this one does not know) or with details that are
    not JSON is listed as it is, never an error."""
    rows = [
        {"at": T0, "actor": ANA, "action": "voted", "subject": "g1", "details": '{"winner": 1}'},
        {"at": T0, "actor": BAO, "action": "sent", "subject": "j1", "details": "not json"},
    ]
    with team.engine.begin() as connection:
        for row in rows:
            connection.execute(activity.insert().values(**{**row, "at": T0.replace(tzinfo=None)}))
    listed = {a.subject: a for a in team.recent()}
    assert (listed["g1"].action, listed["g1"].details) == ("voted", {"winner": 1})
    assert listed["j1"].details == {}


def test_a_long_name_is_cut_to_what_the_column_holds(team: Team) -> None:
    """A person id longer than an e-mail address can be is kept to its first 320 characters."""
    team.record("x" * 400, Action.SENT, "j" * 400)
    (row,) = team.recent()
    assert row.actor == "x" * 320 and row.subject == "j" * 300
