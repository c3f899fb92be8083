"""Message markers for the domain core.

The core raises errors whose messages the web layer translates; it cannot call gettext
itself (no flask here). ``N_`` only marks a string for extraction by pybabel.
"""


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark only"
    return message
