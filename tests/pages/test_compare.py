"""The compare page: prices, statistics from a real sandbox history, and the favourite."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lipsync_core.errors import provider_display_name
from lipsync_core.flows.common import duration_words
from lipsync_core.flows.model import Job, JobInputs, JobState, utc_now
from lipsync_core.pricing import PRICES, ConversionRates
from lipsync_core.stats import LIVE, SANDBOX
from tests.pages.conftest import APP, APP_TIMEOUT, read, save_team_settings
from tests.pages.test_submit import KLING, PRIME, choose, texts, use_samples
from ui import keys
from ui.cards import cost_line
from ui.compare.stats import CURRENCY_COLUMN, with_currency
from ui.runtime import Runtime

PAGE = "pages/compare_page.py"
TARGETS = [("ausynclab", "nova"), ("twinsync", "videotalking")]


def open_compare() -> AppTest:
    """The app opened straight on the compare page (no other page runs first)."""
    app = AppTest.from_file(APP, default_timeout=APP_TIMEOUT)
    app.switch_page(PAGE).run()
    assert not app.exception
    return app


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
    assert rows.loc["advanced-lip-sync", "Unit"] == "PTC (302.ai)"
    assert rows.loc["videotalking", "Unit"] == "not published"
    assert all(source.startswith("shared/seeds/") for source in table["Source"])


def test_the_chart_says_which_prices_need_a_rate(runtime):
    """By default only Kling converts (1 PTC = 1 USD); the others say which rate is missing."""
    app = open_compare()
    assert len(app.get("vega_lite_chart")) == 1
    notes = [c.value for c in app.caption if c.value.startswith("Not on the chart")]
    assert notes == [
        "Not on the chart: AusyncLab · prime — set the price of 1 AusyncLab credit in USD above.",
        "Not on the chart: AusyncLab · nova — set the price of 1 AusyncLab credit in USD above.",
        "Not on the chart: TwinSync · videotalking — no published price; "
        "set the TwinSync price per second above.",
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
    row = app.dataframe[-1].value.set_index("Model").loc[model]
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
    prime = app.dataframe[-1].value.set_index("Model").loc["prime", "Cost"]
    assert prime == "50 credits × 5 s of audio = 250 credits"


def test_rates_are_kept_when_coming_back_to_the_page(runtime):
    """A rate saved for the team is what the page shows after a visit to another page."""
    app = open_compare()
    save_team_settings(app, keys.COMPARE_SETTINGS_SAVE, {keys.COMPARE_CREDIT_RATE: 0.004})
    app.switch_page("pages/library_page.py").run()
    app.switch_page(PAGE).run()
    assert not app.exception
    assert app.number_input(key=keys.COMPARE_CREDIT_RATE).value == 0.004


def test_rates_set_on_one_page_are_the_rates_of_the_other(app, runtime):
    """The currency and prices are set once: what Submit was given, Compare shows, and back."""
    choose(use_samples(app), KLING)
    save_team_settings(
        app, keys.SUBMIT_SETTINGS_SAVE, {keys.SUBMIT_CURRENCY: "EUR", keys.SUBMIT_PTC_RATE: 0.9}
    )
    assert "| Kling | 0.077 PTC | 0.0693 |" in next(t for t in texts(app) if t.startswith("|"))
    app.switch_page(PAGE).run()
    assert not app.exception
    assert app.text_input(key=keys.COMPARE_CURRENCY).value == "EUR"
    assert app.number_input(key=keys.COMPARE_PTC_RATE).value == 0.9
    assert "**Cost of one job by length of audio (EUR)**" in [m.value for m in app.markdown]
    save_team_settings(app, keys.COMPARE_SETTINGS_SAVE, {keys.COMPARE_CREDIT_RATE: 0.002})
    app.switch_page("pages/submit_page.py").run()
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
    stats = app.dataframe[-1].value.set_index("provider")
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
    stats = app.dataframe[-1].value.set_index("provider")
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
