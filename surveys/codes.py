"""Single-use access codes (评议码): derivation, typing rules, display and lookup digest.

A code is 12 Crockford base32 symbols (60 random bits) and one Luhn mod 32 check symbol,
13 characters in canonical form, shown grouped as ``K7QM-3XPD-9TRA-5``. Codes are derived
from a secret key, a batch key and an index, so a batch can be reprinted; the database
keeps only ``digest(lookup_key, code)``, never the code itself.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

from surveys.errors import DomainError
from surveys.i18n import N_

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DATA_LENGTH = 12
CODE_LENGTH = DATA_LENGTH + 1
#: Longer input is refused before any Unicode work, whatever a form field sends.
MAX_INPUT_LENGTH = 64

_BASE = len(ALPHABET)
_VALUE = {symbol: value for value, symbol in enumerate(ALPHABET)}
# Crockford's reading rules: letters that look like digits are those digits.
_FOLD = str.maketrans({"O": "0", "I": "1", "L": "1"})


class MalformedCode(DomainError):
    """The text cannot be a code: wrong length, a symbol outside the alphabet, or a bad check
    symbol. Raised before any database lookup, so the form can say "mistyped"."""

    def __init__(self) -> None:
        super().__init__(N_("评议码有误，请核对后重新输入"))


def derive_code(key: bytes, batch_key: str, index: int) -> str:
    """Derive code number ``index`` of a batch, in canonical form.

    HMAC-SHA256(key, "batch_key:index"); its first 60 bits become 12 symbols, then the check
    symbol. The index is the text after the last colon, so any batch key is unambiguous.
    """
    if not key:
        raise ValueError("the code key must not be empty")
    if index < 0:
        raise ValueError("index must be >= 0")
    mac = hmac.new(key, f"{batch_key}:{index}".encode(), hashlib.sha256).digest()
    bits = int.from_bytes(mac[:8], "big") >> 4  # 64 bits -> the first 60
    data = "".join(ALPHABET[(bits >> shift) & 0x1F] for shift in range(55, -1, -5))
    return data + check_symbol(data)


def check_symbol(data: str) -> str:
    """The Luhn mod 32 check symbol over canonical data symbols.

    It catches every single-symbol substitution and every adjacent transposition except
    ``0Z`` <-> ``Z0``, the one pair Luhn mod N cannot tell apart (0 and N-1 keep their values
    when doubled).
    """
    total = 0
    factor = 2
    for symbol in reversed(data):
        addend = factor * _VALUE[symbol]
        total += addend // _BASE + addend % _BASE
        factor = 3 - factor
    return ALPHABET[-total % _BASE]


def normalise(text: str) -> str:
    """Fold what a person typed or pasted towards canonical symbols, without validating.

    Full-width characters from Chinese input methods become ASCII (NFKC); letters are
    uppercased; spaces, hyphens, dashes and underscores are dropped; O reads as 0, I and L
    as 1. U stays U (Crockford excludes it) and fails ``check_format``.
    """
    folded = unicodedata.normalize("NFKC", text).upper()
    kept = "".join(ch for ch in folded if not (ch.isspace() or ch == "_" or unicodedata.category(ch) == "Pd"))
    return kept.translate(_FOLD)


def check_format(text: str) -> str:
    """Return the canonical code for ``text``, or raise MalformedCode.

    Needs no database: the length, the alphabet and the check symbol say whether the text
    can be a code at all. Whether it was issued, used or void is the service's question.
    """
    if len(text) > MAX_INPUT_LENGTH:
        raise MalformedCode()
    code = normalise(text)
    if len(code) != CODE_LENGTH or any(symbol not in _VALUE for symbol in code):
        raise MalformedCode()
    if check_symbol(code[:DATA_LENGTH]) != code[DATA_LENGTH]:
        raise MalformedCode()
    return code


def display(code: str) -> str:
    """The grouped form printed and shown to people: ``K7QM-3XPD-9TRA-5``."""
    code = check_format(code)
    return f"{code[0:4]}-{code[4:8]}-{code[8:12]}-{code[12]}"


def digest(key: bytes, code: str) -> str:
    """The keyed lookup digest the database stores instead of the code (hex HMAC-SHA256).

    Any accepted spelling of a code gives the same digest. Use a key separate from the
    derivation key, so a leaked table cannot be matched against re-derived codes.
    """
    if not key:
        raise ValueError("the lookup key must not be empty")
    return hmac.new(key, check_format(code).encode(), hashlib.sha256).hexdigest()


def code_url(base_url: str, code: str) -> str:
    """The URL a QR code carries. The code rides in the fragment, which browsers never
    send to the server, so it stays out of access logs, referrers and proxies."""
    return f"{base_url.rstrip('/')}/r#{display(code)}"
