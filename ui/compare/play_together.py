"""One control that plays two videos together, from the start: ``st.video`` cannot be told to.

A small ``st.components.v2`` component (no iframe: its script runs in the page) finds the
``<video>`` elements inside the container with the given key (Streamlit gives it the CSS class
``st-key-<key>``), rewinds them, starts them in the same click (so the browser lets them play
with sound), and keeps the second within a tenth of a second of the first while they play.
Only one of them is heard at a time, so the two sound tracks never echo; the control switches
which.
"""

from __future__ import annotations

import streamlit as st

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
  let heard = 0;
  let keeper = null;
  const hear = () => {
    videos().forEach((video, index) => { video.muted = index !== heard; });
    const names = ["A", "B"];
    button("sound").textContent =
      `Sound from ${names[heard]} (switch to ${names[1 - heard]})`;
  };
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
  button("sound").onclick = () => { heard = 1 - heard; hear(); };
  return stopKeeping;
}
"""

_component = st.components.v2.component("lipsync_play_together", html=HTML, css=CSS, js=JS)


def play_together(players_key: str, *, key: str) -> None:
    """The control for the videos inside ``st.container(key=players_key)``."""
    _component(key=key, data={"players": players_key})
