"""The compare page: prices, statistics from a real sandbox history, and the favourite."""

from __future__ import annotations

import io
import json
import random
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Dataframe

from lipsync_core.errors import provider_display_name
from lipsync_core.flows.common import duration_words
from lipsync_core.flows.model import Job, JobInputs, JobState, utc_now
from lipsync_core.pricing import PRICES, ConversionRates
from lipsync_core.stats import LIVE, SANDBOX, STAT_COLUMNS, provider_stats, split_environments
from tests.core.test_stats import KLING as STATS_KLING
from tests.core.test_stats import PRIME as STATS_PRIME
from tests.core.test_stats import TWINSYNC as STATS_TWINSYNC
from tests.core.test_stats import make_job, measure
from tests.views.conftest import APP, APP_TIMEOUT, open_at, read, save_team_settings
from tests.views.test_submit import KLING, PRIME, choose, texts, use_samples
from ui import keys
from ui.cards import cost_line
from ui.compare.stats import (
    CURRENCY_COLUMN,
    jobs_csv,
    period_of,
    stats_csv,
    with_currency,
)
from ui.runtime import Runtime

PAGE = "views/compare_page.py"
TARGETS = [("ausynclab", "nova"), ("twinsync", "videotalking")]


def open_compare() -> AppTest:
    """The app opened on the compare page (AppTest finds a navigation page only after a run)."""
    app = AppTest.from_file(APP, default_timeout=APP_TIMEOUT).run()
    open_at(app, PAGE)
    assert not app.exception
    return app


def stats_table(app: AppTest) -> Dataframe:
    """The measured statistics table (the one with a ``provider`` column)."""
    return next(frame for frame in app.dataframe if "provider" in frame.value.columns)


def estimate_table(app: AppTest) -> Dataframe:
    """The "Estimate for my file" table (the one with a ``Cost`` column)."""
    return next(frame for frame in app.dataframe if "Cost" in frame.value.columns)


def wait_until_final(runtime: Runtime, jobs: Sequence[Job], timeout: float = 60.0) -> list[Job]:
    """The jobs once finished: the sandbox's renders done, its clock moved on, jobs checked."""
    assert runtime.sandbox is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runtime.sandbox.wait_idle(timeout=timeout)
        runtime.sandbox.clock.advance(2)
        runtime.service.refresh_due(utc_now() + timedelta(minutes=5), download=False)
        current = runtime.service.get_many([job.id for job in jobs])
        if all(job.is_final for job in current):
            return current
        time.sleep(0.1)
    pytest.fail(f"jobs still unfinished after {timeout} s: {current!r}")


@pytest.fixture
def history(runtime: Runtime, sample_video_path, sample_audio_path) -> list[Job]:
    """One comparison sent to AusyncLab Nova and TwinSync; TwinSync's job is made to fail."""
    assert runtime.sandbox is not None
    runtime.sandbox.add_fault("twinsync", "POST", r"/videotalking", "fail_job")
    inputs = JobInputs(video_path=str(sample_video_path), audio_path=str(sample_audio_path))
    jobs = runtime.service.submit_group(TARGETS, inputs, title="Greeting")
    return wait_until_final(runtime, jobs)


def test_prices_table_lists_every_provider_model_with_unit_and_source(runtime):
    """Each priced provider/model has one row with its price, unit and source document."""
    app = open_compare()
    table = app.dataframe[0].value
    assert list(zip(table["Provider"], table["Model"], strict=True)) == [
        (provider_display_name(p), m) for p, m in PRICES
    ]
    rows = table.set_index("Model")
    assert rows.loc["prime", "Price"] == "50 credits per second of audio"
    assert rows.loc["nova", "Price"] == "5,000 credits per second of audio"
    assert rows.loc["advanced-lip-sync", "Unit"] == "PTC (302.ai's prepaid credits)"
    assert rows.loc["videotalking", "Unit"] == "not published"
    assert rows["Source"].to_dict() == {
        "prime": "AusyncLab price list: Prime, 50 credits per second of audio",
        "nova": "AusyncLab price list: Nova, 5,000 credits per second of audio",
        "advanced-lip-sync": "302.ai's Kling price list: identify-face (finding the faces) "
        "0.007 PTC per call, advanced-lip-sync 0.07 PTC per call",
        "videotalking": "TwinSync API document: no price published",
    }


@pytest.mark.parametrize("word", ["shared/", "seeds", "giây", "次", "/"])
def test_the_prices_table_names_documents_and_units_in_plain_words(runtime, word):
    """No cell of the Prices table shows an internal path or an untranslated unit."""
    table = open_compare().dataframe[0].value
    assert not [cell for cell in table.to_numpy().ravel() if word in str(cell)]


@pytest.mark.parametrize(
    ("model", "explained"),
    [
        ("prime", "AusyncLab's standard lip-sync model"),
        ("nova", "AusyncLab's premium lip-sync model"),
        ("advanced-lip-sync", "through the 302.ai gateway"),
        ("videotalking", "TwinSync's lip replacement service"),
    ],
)
def test_each_model_name_is_kept_and_explained(runtime, model, explained):
    """The Prices table keeps each documented model name and says what it is next to it."""
    rows = open_compare().dataframe[0].value.set_index("Model")
    assert explained in rows.loc[model, "What it is"]


def test_ptc_is_explained_under_the_prices(runtime):
    """PTC, Kling's unit, is said to be 302.ai's prepaid credit under the table."""
    app = open_compare()
    assert any(read(c.value).startswith("PTC: 302.ai's prepaid credits") for c in app.caption)


def test_twinsync_is_on_the_cost_per_second_chart_once_priced(runtime):
    """With the team's TwinSync price saved, TwinSync has a bar in "Cost per second of result"."""
    known_live_history(runtime)
    app = open_compare()
    save_team_settings(app, keys.COMPARE_SETTINGS_SAVE, {keys.COMPARE_TWINSYNC_PRICE: 0.02})
    (cost,) = [
        spec for spec in charts(app)
        if spec["encoding"]["x"]["field"] == CURRENCY_COLUMN and spec["mark"]["type"] == "bar"
    ]  # fmt: skip
    bars = {point["target"]: point[CURRENCY_COLUMN] for point in cost["points"]}
    assert bars["TwinSync"] == pytest.approx(0.02)


def test_chart_labels_are_short_names_never_cut(runtime):
    """The price chart names each line as people know it, and its legend never cuts a name."""
    app = open_compare()
    save_team_settings(app, keys.COMPARE_SETTINGS_SAVE, {keys.COMPARE_CREDIT_RATE: 0.001})
    (chart,) = app.get("vega_lite_chart")
    spec = json.loads(chart.proto.spec)
    assert spec["encoding"]["color"]["legend"]["labelLimit"] == 0
    frames = [convert_arrow_bytes_to_pandas_df(d.data.data) for d in chart.proto.datasets]
    if chart.proto.HasField("data"):
        frames.append(convert_arrow_bytes_to_pandas_df(chart.proto.data.data))
    names = {name for frame in frames for name in frame.get("target", [])}
    assert names == {"AusyncLab Prime", "AusyncLab Nova", "Kling"}


def test_a_file_the_estimate_cannot_read_names_its_field(runtime):
    """A file under "Estimate for my file" that is not media is refused after its field's name."""
    app = open_compare()
    app.file_uploader(key=keys.COMPARE_FILE).upload("talk.wav", b"words " * 99, "audio/wav").run()
    assert not app.exception
    assert read(app.error[0].value).startswith("Audio or video file: ")


def test_the_chart_says_which_prices_need_a_rate(runtime):
    """By default only Kling converts (1 PTC = 1 USD); the others say which rate is missing."""
    app = open_compare()
    assert len(app.get("vega_lite_chart")) == 1
    notes = [c.value for c in app.caption if c.value.startswith("Not on the chart")]
    assert notes == [
        "Not on the chart: AusyncLab Prime — set the price of 1 AusyncLab credit in USD above.",
        "Not on the chart: AusyncLab Nova — set the price of 1 AusyncLab credit in USD above.",
        "Not on the chart: TwinSync — no published price; set the TwinSync price per second above.",
    ]
    save_team_settings(
        app, keys.COMPARE_SETTINGS_SAVE,
        {keys.COMPARE_CREDIT_RATE: 0.001, keys.COMPARE_TWINSYNC_PRICE: 0.02},
    )  # fmt: skip
    assert not [c.value for c in app.caption if c.value.startswith("Not on the chart")]


def test_a_wrong_currency_is_a_plain_sentence(runtime):
    """A currency that is not a three-letter code is refused in words, not a traceback."""
    app = open_compare()
    app.text_input(key=keys.COMPARE_CURRENCY).input("E1")
    app.button(key=keys.COMPARE_SETTINGS_SAVE).click().run()
    assert not app.exception
    assert app.error[0].value == "The currency must be a three-letter code such as USD, EUR or VND."
    assert keys.SETTINGS_PENDING not in app.session_state
    assert runtime.service.team.settings().version == 0


@pytest.mark.parametrize(
    ("model", "cost", "in_eur"),
    [
        ("prime", "50 credits × 13 s of audio (rounded up from 12.5 s) = 650 credits", 1.3),
        ("nova", "5,000 credits × 13 s of audio (rounded up from 12.5 s) = 65,000 credits", 130.0),
        ("advanced-lip-sync", None, 0.077 * 0.9),
        ("videotalking", None, None),
    ],
)
def test_estimate_for_a_typed_length(runtime, model, cost, in_eur):
    """A typed length is priced at every provider, in its unit and in the chosen currency."""
    app = open_compare()
    save_team_settings(
        app, keys.COMPARE_SETTINGS_SAVE,
        {keys.COMPARE_CURRENCY: "EUR", keys.COMPARE_PTC_RATE: 0.9, keys.COMPARE_CREDIT_RATE: 0.002},
    )  # fmt: skip
    app.number_input(key=keys.COMPARE_DURATION).set_value(12.5).run()
    assert not app.exception
    row = estimate_table(app).value.set_index("Model").loc[model]
    if cost is not None:
        assert row["Cost"] == cost
    if in_eur is None:
        assert pd.isna(row["EUR"])
    else:
        assert row["EUR"] == pytest.approx(in_eur)


def test_estimate_for_an_uploaded_file_uses_its_measured_length(runtime, sample_audio_path):
    """An uploaded audio file is probed and priced by its own length."""
    app = open_compare()
    app.file_uploader(key=keys.COMPARE_FILE).set_value(
        ("speech.wav", sample_audio_path.read_bytes(), "audio/wav")
    )
    app.run()
    assert not app.exception
    assert "speech.wav lasts 5.0 s (its sound track, as measured)." in [
        c.value for c in app.caption
    ]
    prime = estimate_table(app).value.set_index("Model").loc["prime", "Cost"]
    assert prime == "50 credits × 5 s of audio = 250 credits"


def test_rates_are_kept_when_coming_back_to_the_page(runtime):
    """A rate saved for the team is what the page shows after a visit to another page."""
    app = open_compare()
    save_team_settings(app, keys.COMPARE_SETTINGS_SAVE, {keys.COMPARE_CREDIT_RATE: 0.004})
    open_at(app, "views/library_page.py")
    open_at(app, PAGE)
    assert not app.exception
    assert app.number_input(key=keys.COMPARE_CREDIT_RATE).value == 0.004


def test_rates_set_on_one_page_are_the_rates_of_the_other(app, runtime):
    """The currency and prices are set once: what Submit was given, Compare shows, and back."""
    choose(use_samples(app), KLING)
    save_team_settings(
        app, keys.SUBMIT_SETTINGS_SAVE, {keys.SUBMIT_CURRENCY: "EUR", keys.SUBMIT_PTC_RATE: 0.9}
    )
    assert "| Kling | 0.077 PTC | 0.0693 |" in next(t for t in texts(app) if t.startswith("|"))
    open_at(app, PAGE)
    assert not app.exception
    assert app.text_input(key=keys.COMPARE_CURRENCY).value == "EUR"
    assert app.number_input(key=keys.COMPARE_PTC_RATE).value == 0.9
    assert "**Cost of one job by length of audio (EUR)**" in [m.value for m in app.markdown]
    save_team_settings(app, keys.COMPARE_SETTINGS_SAVE, {keys.COMPARE_CREDIT_RATE: 0.002})
    open_at(app, "views/submit_page.py")
    choose(app, PRIME)
    assert not app.exception
    assert app.text_input(key=keys.SUBMIT_CURRENCY).value == "EUR"
    table = next(t for t in texts(app) if t.startswith("| Provider | Cost | In EUR |"))
    assert "| AusyncLab Prime | 250 credits | 0.50 |" in table


def test_an_empty_history_says_so_plainly(runtime):
    """With no jobs, the measured section and the side by side each say there is nothing yet."""
    app = open_compare()
    infos = [info.value for info in app.main.info]
    assert "No live jobs in this period yet." in infos
    assert any(text.startswith("No comparison yet") for text in infos)


def test_statistics_come_from_the_history_with_sandbox_apart(runtime, history):
    """Sandbox jobs are shown (labelled) as sandbox statistics, and never as live ones."""
    states = {job.provider: job.state for job in history}
    assert states == {"ausynclab": JobState.SUCCEEDED, "twinsync": JobState.FAILED}
    app = open_compare()
    assert app.radio(key=keys.COMPARE_SANDBOX).value == SANDBOX
    assert "say nothing about the providers" in app.warning[0].value
    stats = stats_table(app).value.set_index("provider")
    assert stats.loc["AusyncLab", "model"] == "nova"
    assert stats.loc["AusyncLab", "success_rate"] == 1.0
    assert stats.loc["TwinSync", "success_rate"] == 0.0
    assert stats.loc["AusyncLab", "median_turnaround_s"] > 0
    assert stats.loc["TwinSync", "unit"] == "unknown"
    assert stats["jobs"].tolist() == [1, 1]
    app.radio(key=keys.COMPARE_SANDBOX).set_value(LIVE).run()
    assert not app.exception
    assert "No live jobs in this period yet." in [info.value for info in app.main.info]


def test_cost_per_output_second_is_converted_with_the_rates(runtime, history):
    """With a credit price set, AusyncLab's cost per output second is also shown in money."""
    nova = next(job for job in history if job.provider == "ausynclab")
    per_second = nova.cost_used.amount / nova.inputs.audio_duration
    app = open_compare()
    save_team_settings(app, keys.COMPARE_SETTINGS_SAVE, {keys.COMPARE_CREDIT_RATE: 0.001})
    stats = stats_table(app).value.set_index("provider")
    assert stats.loc["AusyncLab", "cost_per_output_second"] == pytest.approx(per_second)
    assert stats.loc["AusyncLab", CURRENCY_COLUMN] == pytest.approx(per_second * 0.001)
    assert pd.isna(stats.loc["TwinSync", CURRENCY_COLUMN])


def test_both_csv_downloads_are_offered(runtime, history):
    """The statistics and the jobs behind them can be downloaded as CSV."""
    app = open_compare()
    labels = [button.proto.label for button in app.get("download_button")]
    assert labels == ["Download these statistics (CSV)", "Download the jobs behind them (CSV)"]


def test_a_favourite_is_stored_with_the_group(runtime, history):
    """Marking a result as favourite stores it with its comparison group; unmarking clears it."""
    succeeded = next(job for job in history if job.state is JobState.SUCCEEDED)
    failed = next(job for job in history if job.state is JobState.FAILED)
    app = open_compare()
    assert f"{keys.COMPARE_FAVOURITE}_{failed.id}" not in [b.key for b in app.button]
    app.button(key=f"{keys.COMPARE_FAVOURITE}_{succeeded.id}").click().run()
    assert not app.exception
    group, _ = runtime.service.group(succeeded.group_id or "")
    assert group is not None and group.favourite_job_id == succeeded.id
    assert app.button(key=f"{keys.COMPARE_FAVOURITE}_{succeeded.id}").label == "Unmark favourite"
    app.button(key=f"{keys.COMPARE_FAVOURITE}_{succeeded.id}").click().run()
    group, _ = runtime.service.group(succeeded.group_id or "")
    assert group is not None and group.favourite_job_id is None


def test_side_by_side_plays_each_output_with_cost_and_time(runtime, history):
    """Each member of the group has a column: the successful one plays, the failed one says why."""
    app = open_compare()
    assert app.selectbox(key=keys.COMPARE_GROUP).value == history[0].group_id
    assert len(app.get("video")) == 1
    captions = [c.value for c in app.caption]
    for job in history:
        state = "✅ done" if job.state is JobState.SUCCEEDED else "❌ failed"
        assert f"{state} · took {duration_words(job.elapsed())} · {cost_line(job)}" in captions
    failed = next(job for job in history if job.state is JobState.FAILED)
    assert failed.error in [read(e.value) for e in app.error]


@pytest.mark.parametrize(("currency", "shown"), [("EUR", 0.02), ("USD", None)])
def test_an_amount_priced_in_a_currency_is_shown_only_in_that_currency(
    currency: str, shown: float | None
) -> None:
    """TwinSync jobs priced at the user's own EUR price are never relabelled as dollars."""
    stats = pd.DataFrame(
        {
            "provider": ["twinsync"],
            "model": ["videotalking"],
            "unit": ["EUR"],
            "cost_per_output_second": [0.02],
        }
    )
    converted = with_currency(stats, ConversionRates(currency=currency))[CURRENCY_COLUMN]
    if shown is None:
        assert pd.isna(converted[0])
    else:
        assert converted[0] == pytest.approx(shown)


NOW = utc_now().replace(microsecond=0)
YESTERDAY = NOW - timedelta(days=1)


def known_live_history(runtime: Runtime) -> dict[str, list[Job]]:
    """Live Prime and Kling results with known times, costs and lip-sync measures, and a live
    TwinSync success without a price, all sent yesterday."""
    made = {
        "prime": [
            make_job(STATS_PRIME, JobState.SUCCEEDED, took=s, estimate=250, used=300, audio=5.0,
                     created=YESTERDAY)
            for s in (10, 20, 30, 40, 50)
        ],
        "kling": [
            make_job(STATS_KLING, JobState.SUCCEEDED, took=s, waited=500, estimate=0.077,
                     used=0.077, audio=4.0, video=10.0, created=YESTERDAY)
            for s in (100, 300)
        ],
        "twinsync": [
            make_job(STATS_TWINSYNC, JobState.SUCCEEDED, took=45, audio=3.0, created=YESTERDAY)
        ],
    }  # fmt: skip
    store = runtime.service.store
    store.insert_many(job for jobs in made.values() for job in jobs)
    moves = [(-80, 0.9, True), (40, 0.8, True), (-20, 0.7, True), (None, 0.2, False)]
    for job, figures in zip(made["prime"], moves, strict=False):
        measure(store, job, *figures)
    return made


def column_labels(app: AppTest) -> dict[str, str]:
    """The headings the statistics table shows, by column."""
    config = json.loads(stats_table(app).proto.columns)
    return {name: column.get("label", name) for name, column in config.items()}


def charts(app: AppTest) -> list[dict]:
    """Each chart's Vega-Lite view (the first layer's, if layered), its data under ``"points"``
    (one record per mark, wherever the chart keeps them)."""
    found = []
    for chart in app.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        view = spec["layer"][0] if "layer" in spec else spec
        frames = [convert_arrow_bytes_to_pandas_df(d.data.data) for d in chart.proto.datasets]
        rows = [row for frame in frames for row in frame.to_dict("records")]
        view["points"] = rows + view.get("data", {}).get("values", [])
        found.append(view)
    return found


def test_the_measured_table_shows_lip_sync_figures_under_plain_headings(runtime):
    """Live statistics from a known history: the lip-sync figures per provider, headings in
    plain words (no "p90"), and the turnaround explained under the table."""
    known_live_history(runtime)
    app = open_compare()
    assert app.radio(key=keys.COMPARE_SANDBOX).value == LIVE
    stats = stats_table(app).value.set_index("provider")
    prime, kling = stats.loc["AusyncLab"], stats.loc["Kling"]
    assert (prime["measured"], prime["mouth_moves_share"]) == (4, 0.75)
    assert prime["median_abs_offset_ms"] == pytest.approx(40.0)
    assert prime["median_confidence"] == pytest.approx(0.75)
    assert (prime["median_turnaround_s"], prime["p90_turnaround_s"]) == (30.0, 46.0)
    assert kling["median_turnaround_s"] == pytest.approx(200.0)
    assert kling["measured"] == 0 and pd.isna(kling["median_confidence"])
    labels = column_labels(app)
    assert labels["median_turnaround_s"] == "Half finished within"
    assert labels["p90_turnaround_s"] == "9 in 10 finished within"
    assert labels["mouth_moves_share"] == "Mouth moves"
    assert labels["median_abs_offset_ms"] == "Lips and sound apart by"
    assert not [label for label in labels.values() if "p90" in label.lower()]
    caption = next(c.value for c in app.caption if c.value.startswith("**Half finished within"))
    assert "from the moment the provider had everything it needed" in caption
    assert "for Kling, after you chose a face" in caption


def test_quality_against_cost_per_second_has_one_point_per_priced_provider(runtime):
    """With a credit price set, Prime (measured) is a point; Kling (never measured) and TwinSync
    (no price) say why they are missing; no provider name on any chart is cut short."""
    known_live_history(runtime)
    app = open_compare()
    save_team_settings(app, keys.COMPARE_SETTINGS_SAVE, {keys.COMPARE_CREDIT_RATE: 0.001})
    assert not app.exception
    quality = [spec for spec in charts(app) if spec["mark"]["type"] == "circle"]
    assert len(quality) == 1
    encoding = quality[0]["encoding"]
    assert encoding["y"]["title"].startswith("How clearly the lips follow the sound")
    assert encoding["x"]["title"] == "USD per second of result"
    assert encoding["color"]["legend"]["labelLimit"] == 0
    points = quality[0]["points"]
    assert [point["target"] for point in points] == ["AusyncLab Prime"]
    assert points[0]["cost_per_output_second_in_currency"] == pytest.approx(60 * 0.001)
    missing = [c.value for c in app.caption if c.value.startswith("Not on this chart")]
    assert missing == [
        "Not on this chart: Kling — none of its results has been measured yet.",
        "Not on this chart: TwinSync — set your TwinSync price per second under Prices.",
    ]
    bars = [spec for spec in charts(app) if spec["mark"]["type"] == "bar"]
    assert bars and all(spec["encoding"]["y"]["axis"]["labelLimit"] == 0 for spec in bars)


@pytest.mark.parametrize("measure_name", ["mouth_moves_share", "median_abs_offset_ms"])
def test_the_quality_chart_can_show_another_figure(runtime, measure_name):
    """Choosing another lip-sync figure puts it upwards, with its own title."""
    known_live_history(runtime)
    app = open_compare()
    save_team_settings(app, keys.COMPARE_SETTINGS_SAVE, {keys.COMPARE_CREDIT_RATE: 0.001})
    app.selectbox(key=keys.COMPARE_QUALITY_MEASURE).set_value(measure_name).run()
    assert not app.exception
    (quality,) = [spec for spec in charts(app) if spec["mark"]["type"] == "circle"]
    assert quality["encoding"]["y"]["field"] == measure_name


def test_twinsync_costs_its_own_price_per_second_once_one_is_set(runtime):
    """TwinSync publishes no price: with one set under Prices, its cost per second of result in
    the currency is that price, and its point joins the quality chart once it is measured."""
    made = known_live_history(runtime)
    measure(runtime.service.store, made["twinsync"][0], 30, 0.85, True)
    app = open_compare()
    stats = stats_table(app).value.set_index("provider")
    assert pd.isna(stats.loc["TwinSync", CURRENCY_COLUMN])
    save_team_settings(app, keys.COMPARE_SETTINGS_SAVE, {keys.COMPARE_TWINSYNC_PRICE: 0.02})
    assert not app.exception
    stats = stats_table(app).value.set_index("provider")
    assert stats.loc["TwinSync", CURRENCY_COLUMN] == pytest.approx(0.02)
    assert stats.loc["TwinSync", "cost_basis"] == "your TwinSync price"
    (quality,) = [spec for spec in charts(app) if spec["mark"]["type"] == "circle"]
    points = quality["points"]
    assert "TwinSync" in [point["target"] for point in points]


def test_the_statistics_csv_holds_every_figure_and_the_lip_sync_ones(runtime):
    """The statistics' CSV: one line per provider/model with the quality columns and the cost in
    the currency; the jobs' CSV: one line per job with its measure."""
    made = known_live_history(runtime)
    store = runtime.service.store
    period = period_of("Last 30 days")
    stats = split_environments(with_currency(provider_stats(store, period), ConversionRates()))
    table = pd.read_csv(io.BytesIO(stats_csv(stats[LIVE])))
    assert list(table.columns) == [*STAT_COLUMNS[1:], CURRENCY_COLUMN]
    prime = table.set_index("model").loc["prime"]
    assert (prime["measured"], prime["mouth_moves_share"]) == (4, 0.75)
    assert prime["median_confidence"] == pytest.approx(0.75)
    assert table.set_index("model").loc["advanced-lip-sync", CURRENCY_COLUMN] == pytest.approx(
        0.154 / 20
    )
    jobs_table = pd.read_csv(io.BytesIO(jobs_csv(store, period, LIVE))).set_index("id")
    assert len(jobs_table) == sum(len(jobs) for jobs in made.values())
    first = jobs_table.loc[made["prime"][0].id]
    assert (first["offset_ms"], first["confidence"], first["quality_state"]) == (
        -80.0, 0.9, "measured"
    )  # fmt: skip
    assert pd.isna(jobs_table.loc[made["kling"][0].id, "quality_state"])


@dataclass
class JobReads:
    """Every statement that read whole jobs (their records) while it listened."""

    engine: sa.Engine
    statements: list[tuple[str, object]] = field(default_factory=list)

    def __call__(self, _conn, _cursor, statement, parameters, _context, _many) -> None:
        if re.search(r"\bjobs\.data\b", statement):
            self.statements.append((statement, parameters))

    def rows(self) -> int:
        """How many rows those statements returned (each run again, counted by the database)."""
        total = 0
        with self.engine.connect() as connection:
            for statement, parameters in self.statements:
                counted = f"SELECT count(*) FROM ({statement}) AS counted"
                total += connection.exec_driver_sql(counted, parameters).scalar_one()
        return total


def test_opening_the_page_reads_a_few_jobs_not_the_whole_history(runtime):
    """With 600 finished jobs and 3 comparisons, opening Compare reads only the jobs Side by
    side shows (one per comparison and the chosen one's members) and the Blind test's pair,
    never the 600 records."""
    store = runtime.service.store
    rng = random.Random(3)
    alone = [
        make_job(rng.choice([STATS_PRIME, STATS_KLING, STATS_TWINSYNC]), JobState.SUCCEEDED,
                 took=rng.uniform(5, 300), estimate=250, audio=5.0,
                 created=NOW - timedelta(minutes=rng.randrange(20_000)))
        for _ in range(600)
    ]  # fmt: skip
    store.insert_many(alone)
    for n in range(3):
        sent = NOW - timedelta(hours=n + 1)
        store.insert_group(f"group{n}", created_at=sent)
        store.insert_many(
            make_job(target, JobState.SUCCEEDED, took=20, created=sent, group=f"group{n}")
            for target in (STATS_PRIME, STATS_TWINSYNC)
        )
    app = AppTest.from_file(APP, default_timeout=APP_TIMEOUT).run()
    reads = JobReads(store.engine)
    sa.event.listen(store.engine, "before_cursor_execute", reads)
    try:
        open_at(app, PAGE)
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", reads)
    assert stats_table(app).value["jobs"].sum() == 606
    assert app.selectbox(key=keys.COMPARE_GROUP).options == [
        f"Untitled · sent {(NOW - timedelta(hours=n + 1)).astimezone(UTC):%d %b %Y, %H:%M}"
        for n in range(3)
    ]
    assert reads.rows() == 3 + 2 + 2
