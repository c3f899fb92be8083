"""Message markers for the domain core.

The core raises errors whose messages the web layer translates; it cannot call gettext
itself (no flask here). ``N_`` marks a string for extraction by pybabel and tags it as a
message id, so the web layer translates a parameter only when it is one of ours — never a
name an organiser typed that happens to match a catalog entry.
"""


class MsgId(str):
    """A string that is a gettext message id (Chinese source text)."""

    __slots__ = ()


def N_(message: str) -> MsgId:  # noqa: N802 - the gettext convention for "mark only"
    return MsgId(message)
