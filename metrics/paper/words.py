"""What a partnership types into its board paper: the statuses of an action, the limits on each text, and the
check that a typed text can be stored as written.

Every text is kept exactly as typed and shown as plain text everywhere (metrics.safety): these limits keep a
paper readable and a page fast, and invisible control characters (which no one types on purpose, and which
would garble a table or a file) are refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from metrics.ingest.text import control_characters

NOT_STARTED, ON_TRACK, AT_RISK, OFF_TRACK, COMPLETE = "Not started", "On track", "At risk", "Off track", "Complete"
STATUSES = (NOT_STARTED, ON_TRACK, AT_RISK, OFF_TRACK, COMPLETE)
# Okabe-Ito colours (safe for the common colour-vision deficiencies), always beside the word and a symbol.
STATUS_COLOURS = {
    NOT_STARTED: "#E6E6E6",
    ON_TRACK: "#0072B2",
    AT_RISK: "#F0E442",
    OFF_TRACK: "#D55E00",
    COMPLETE: "#009E73",
}
STATUS_SYMBOLS = {NOT_STARTED: "○", ON_TRACK: "●", AT_RISK: "▲", OFF_TRACK: "✕", COMPLETE: "✓"}
# Needing the board's attention (the red list).
NEEDS_ATTENTION = (OFF_TRACK,)

PURPOSES = ("For decision", "For assurance", "For information")


def status_word(status: str) -> str:
    """The status with its symbol: "▲ At risk"."""
    return f"{STATUS_SYMBOLS.get(status, '')} {status}".strip()


def canonical_status(text: str) -> str | None:
    """A status typed in any case or spacing ("on  track", "ON TRACK", "Off-track") as its word, or None."""
    squashed = " ".join(str(text).replace("-", " ").replace("_", " ").split()).lower()
    for status in STATUSES:
        if status.lower() == squashed:
            return status
    return None


@dataclass(frozen=True)
class TextField:
    name: str
    label: str
    limit: int  # characters
    multiline: bool = False


# The longest text each field takes, in characters.
PLAN_TEXT_FIELDS = {
    f.name: f
    for f in (
        TextField("priority", "Priority", 120),
        TextField("action", "Action", 600, True),
        TextField("lead", "Lead", 200),
        TextField("partners", "Partners", 400),
        TextField("latest_update", "Latest update", 2000, True),
    )
}
COMMENTARY_LIMIT = 6000
DETAIL_FIELDS = {
    f.name: f
    for f in (
        TextField("board", "Board", 200),
        TextField("title", "Title of the paper", 300),
        TextField("sponsor", "Sponsor", 300),
        TextField("author", "Author", 300),
        TextField("priorities_served", "Priorities served", 1000, True),
        TextField("recommendation", "Recommendation(s)", 3000, True),
        TextField("executive_summary", "Executive summary", 6000, True),
        TextField("health_disparities", "Impact on health disparities", 3000, True),
        TextField("implications", "Implications", 3000, True),
        TextField("contacts", "Contacts", 1000, True),
    )
}


def text_problem(text: str, label: str, limit: int, multiline: bool = True) -> str | None:
    """Why a typed text cannot be stored, or None: too long, or holding invisible control characters."""
    if len(text) > limit:
        return f"{label} is {len(text):,} characters long; the limit is {limit:,}. Shorten it"
    bad = control_characters(text)
    if not multiline and ("\n" in text or "\r" in text):
        bad = [*bad, "line break"]
    if bad:
        return f"{label} holds invisible characters ({', '.join(dict.fromkeys(bad))}); type it again without them"
    return None
