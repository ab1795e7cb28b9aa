"""Who is using the dashboard, as the history records it (votes now; more once sign-in is on)."""

from __future__ import annotations

THIS_COMPUTER = "this computer"


def current_person() -> str | None:
    """The signed-in person as the history records them; ``None`` on a dashboard without
    sign-in, where everything is done from "this computer"."""
    return None


def person_words(person: str | None) -> str:
    """How a page names a person: their name, or "this computer" without sign-in."""
    return person or THIS_COMPUTER
