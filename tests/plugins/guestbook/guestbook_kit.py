"""Helpers the guestbook's test modules share (imported by name: pytest puts this folder on the path)."""
from __future__ import annotations


def shown_token(seconds_ago: float = 60) -> str:
    """The form's signed "shown at" stamp, as if the page had been open ``seconds_ago``."""
    import time

    from plugins.guestbook import antispam

    return antispam.issue(at=time.time() - seconds_ago)


def entry_data(**fields):
    """A valid guestbook post, typed by a person who took a minute."""
    return {"gb-name": "Budi", "gb-message": "Sepatu pesanan saya pas sekali.", "gb-rating": "5",
            "gb-shown": shown_token(), **fields}
