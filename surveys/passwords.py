"""The password rule: long enough, not guessable from a list, the username or a simple pattern.

Length matters most (NIST SP 800-63B, section 5.1.1.2): at least :data:`MIN_LENGTH` characters,
not all digits or all letters, not one of the passwords attackers try first (lists of leaked
passwords, Chinese ones included), not the username, and not a run of one character or a
keyboard/number sequence.

Passwords are stored as werkzeug hashes made with :data:`DEFAULT_HASH_METHOD` (scrypt). The
method is one setting for the process (``PASSWORD_HASH_METHOD``, which the app factory passes
to :func:`use_hash_method`): the tests choose a one-round PBKDF2 so that a login costs
nothing, and production refuses any method but the default (``config.check``). A stored hash
names its own method, so checking a password never depends on the setting.
"""

from __future__ import annotations

from werkzeug.security import check_password_hash, generate_password_hash

from surveys.errors import DomainError
from surveys.i18n import N_

MIN_LENGTH = 10
MAX_LENGTH = 200

#: Passwords of ten or more characters that top the leaked-password lists (compared in lower case).
COMMON = frozenset(
    """
    1234567890 0123456789 1234567890a a1234567890 abc1234567 abcd123456 abcdefg123 1qaz2wsx3edc
    1q2w3e4r5t 1q2w3e4r5t6y qwertyuiop qwerty1234 qwerty123456 asdfghjkl1 zxcvbnm123 password12
    password123 password1234 passw0rd123 p@ssw0rd123 admin12345 admin123456 administrator
    iloveyou12 iloveyou123 woaini1314 woaini520 woaini123456 5201314520 1314520520 aa12345678
    a123456789 qq123456789 abc123456789 123456789a 123456789abc 1234qwer!@#$ 123qweasdzxc
    welcome123 letmein123 changeme123 sunshine12 princess12 football12 baseball12 dragon1234
    monkey1234 shadow1234 master1234 superman12 trustno1234 root123456 test123456 guest12345
    """.split()  # noqa: SIM905 - a word list reads better as words
)
_SEQUENCES = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm", "1qaz2wsx3edc4rfv")


def check_password(password: str, username: str = "") -> None:
    """Raise DomainError (with the rule in Chinese) unless ``password`` is strong enough."""
    if len(password) < MIN_LENGTH:
        raise DomainError(N_("密码至少需要 %(n)d 个字符"), n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        raise DomainError(N_("密码不能超过 %(n)d 个字符"), n=MAX_LENGTH)
    if password.isdigit() or password.isalpha():
        raise DomainError(N_("密码需同时包含字母和数字或符号"))
    if is_guessable(password, username):
        raise DomainError(N_("密码太容易被猜到（常见密码、用户名或简单序列），请换一个"))


def is_guessable(password: str, username: str = "") -> bool:
    lowered = password.lower()
    if lowered in COMMON or len(set(lowered)) <= 3:
        return True
    name = username.strip().lower()
    if len(name) >= 3 and name in lowered:
        return True
    return any(lowered in run or lowered in run[::-1] for run in _SEQUENCES)


#: How new passwords are hashed unless told otherwise, and the only method production accepts.
DEFAULT_HASH_METHOD = "scrypt"
_HASH_KINDS = ("scrypt", "pbkdf2")
_hashing = {"method": DEFAULT_HASH_METHOD}
#: One hash of nobody's password per method, checked against when a username is unknown.
_dummy_hashes: dict[str, str] = {}


def use_hash_method(method: str) -> None:
    """Hash new passwords with werkzeug's ``method`` (``scrypt``, ``pbkdf2:sha256:600000``...)."""
    if method.split(":")[0] not in _HASH_KINDS:
        raise ValueError(f"unknown password hash method {method!r}")
    _hashing["method"] = method


def hash_password(password: str) -> str:
    return generate_password_hash(password, _hashing["method"])


def is_password(stored_hash: str, password: str) -> bool:
    """Whether ``password`` is the one ``stored_hash`` was made from (by whichever method)."""
    return check_password_hash(stored_hash, password)


def dummy_hash() -> str:
    """A hash made with the current method, so refusing an unknown name costs as much as a wrong password."""
    method = _hashing["method"]
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash("not-a-real-password", method)
    return _dummy_hashes[method]
