"""One control that plays two videos together, from the start: ``st.video`` cannot be told to.

A small ``st.components.v2`` component (no iframe: its script runs in the page) finds the
``<video>`` elements inside the container with the given key (Streamlit gives it the CSS class
``st-key-<key>``), rewinds them, starts them in the same click (so the browser lets them play
with sound), and keeps the second within a tenth of a second of the first while they play.
Only one of them is heard at a time, so the sound tracks never echo; the control switches
which. The same control plays any number of videos (Side by side plays every output of a
comparison): ``names`` name the videos in page order, and the buttons' words can be given.
The words come in the reader's language with the data (the HTML's are only the first draw's).
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from lipsync_core.i18n import _

HTML = """
<div class="together">
  <button type="button" data-act="play">▶ Play both from the start</button>
  <button type="button" data-act="pause">Pause both</button>
  <button type="button" data-act="sound">Sound from A (switch to B)</button>
</div>
"""

CSS = """
.together { display: flex; flex-wrap: wrap; gap: 0.5rem; }
.together button {
  font: inherit; padding: 0.35rem 0.8rem; border-radius: 0.5rem; cursor: pointer;
  border: 1px solid var(--st-border-color, #d0d0d0);
  background: var(--st-secondary-background-color, #f0f2f6);
  color: var(--st-text-color, inherit);
}
.together button[data-act="play"] {
  background: var(--st-primary-color, #ff4b4b); color: white; border-color: transparent;
}
"""

JS = """
export default function (component) {
  const { parentElement, data } = component;
  const videos = () =>
    Array.from(document.querySelectorAll(`.st-key-${data.players} video`));
  const button = (act) => parentElement.querySelector(`button[data-act="${act}"]`);
  const names = data.names || ["A", "B"];
  if (data.play) { button("play").textContent = data.play; }
  if (data.pause) { button("pause").textContent = data.pause; }
  const soundWords = data.sound || "Sound from {name} (switch to {next})";
  button("sound").hidden = names.length < 2;
  let heard = 0;
  let keeper = null;
  const label = () => {
    const next = names[(heard + 1) % names.length];
    button("sound").textContent = soundWords
      .replace("{name}", names[heard])
      .replace("{next}", next);
  };
  const hear = () => {
    videos().forEach((video, index) => { video.muted = index !== heard; });
    label();
  };
  label();
  const stopKeeping = () => {
    if (keeper !== null) { clearInterval(keeper); keeper = null; }
  };
  const keepTogether = (shown) => {
    stopKeeping();
    keeper = setInterval(() => {
      const [lead, ...others] = shown;
      if (lead.paused || lead.ended) { return; }
      others.forEach((video) => {
        if (!video.ended && Math.abs(video.currentTime - lead.currentTime) > 0.1) {
          video.currentTime = lead.currentTime;
        }
      });
    }, 250);
  };
  button("play").onclick = async () => {
    const shown = videos();
    hear();
    shown.forEach((video) => { video.pause(); video.currentTime = 0; });
    await Promise.all(shown.map((video) => video.play()));
    keepTogether(shown);
  };
  button("pause").onclick = () => {
    stopKeeping();
    videos().forEach((video) => video.pause());
  };
  button("sound").onclick = () => { heard = (heard + 1) % names.length; hear(); };
  return stopKeeping;
}
"""

_component = st.components.v2.component("lipsync_play_together", html=HTML, css=CSS, js=JS)


def play_together(
    players_key: str,
    *,
    key: str,
    names: Sequence[str] = ("A", "B"),
    play: str | None = None,
    pause: str | None = None,
) -> None:
    """The control for the videos inside ``st.container(key=players_key)``, named ``names`` in
    page order; ``play`` and ``pause`` replace the buttons' words ("both")."""
    data = {
        "players": players_key,
        "names": list(names),
        "play": play or _("▶ Play both from the start"),
        "pause": pause or _("Pause both"),
        "sound": _("Sound from {name} (switch to {next})"),
    }
    _component(key=key, data=data)
