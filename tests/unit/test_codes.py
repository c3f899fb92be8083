"""Access codes: derivation, the check symbol, what people may type, and display."""

from __future__ import annotations

import hashlib
import hmac
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys import codes
from surveys.codes import ALPHABET, MalformedCode, check_format, derive_code, display, normalise
from surveys.errors import DomainError

KEY = b"derivation-key-for-tests"
LOOKUP_KEY = b"lookup-key-for-tests"


def random_codes(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    return [derive_code(KEY, f"batch-{rng.randrange(1000)}", rng.randrange(10**9)) for _ in range(count)]


def test_derivation_is_deterministic_so_a_batch_can_be_reprinted():
    first = [derive_code(KEY, "2026-外部-1", i) for i in range(50)]
    again = [derive_code(KEY, "2026-外部-1", i) for i in range(50)]
    assert first == again


def test_derived_codes_differ_across_indexes_batches_and_keys():
    batch = {derive_code(KEY, "b1", i) for i in range(10_000)}
    assert len(batch) == 10_000
    other_batch = {derive_code(KEY, "b2", i) for i in range(1_000)}
    other_key = {derive_code(b"another-key", "b1", i) for i in range(1_000)}
    assert batch.isdisjoint(other_batch)
    assert batch.isdisjoint(other_key)


def test_a_code_carries_the_first_60_bits_of_the_hmac_and_a_check_symbol():
    code = derive_code(KEY, "b1", 42)
    mac = hmac.new(KEY, b"b1:42", hashlib.sha256).digest()
    expected_bits = int.from_bytes(mac, "big") >> (256 - 60)
    data_bits = 0
    for symbol in code[:12]:
        data_bits = data_bits * 32 + ALPHABET.index(symbol)
    assert len(code) == 13
    assert data_bits == expected_bits
    assert code[12] == codes.check_symbol(code[:12])


def test_derive_code_refuses_an_empty_key_and_a_negative_index():
    with pytest.raises(ValueError):
        derive_code(b"", "b1", 0)
    with pytest.raises(ValueError):
        derive_code(KEY, "b1", -1)


def test_every_single_symbol_substitution_is_rejected():
    accepted = []
    for code in random_codes(500):
        for position, original in enumerate(code):
            for symbol in ALPHABET:
                if symbol == original:
                    continue
                typo = code[:position] + symbol + code[position + 1 :]
                try:
                    check_format(typo)
                except MalformedCode:
                    continue
                accepted.append(typo)
    assert accepted == []


def test_adjacent_transpositions_are_rejected_except_the_0z_pair_luhn_cannot_see():
    missed = set()
    for code in random_codes(500, seed=11):
        for position in range(len(code) - 1):
            a, b = code[position], code[position + 1]
            if a == b:
                continue
            swapped = code[:position] + b + a + code[position + 2 :]
            try:
                check_format(swapped)
            except MalformedCode:
                continue
            missed.add(frozenset((a, b)))
    assert missed <= {frozenset("0Z")}


def test_the_0z_transposition_is_the_documented_blind_spot():
    data = "0Z" + "1" * 10
    code = data + codes.check_symbol(data)
    swapped_data = "Z0" + "1" * 10
    assert codes.check_symbol(swapped_data) == code[12]


def test_check_format_accepts_lower_case_spaces_hyphens_and_underscores():
    code = derive_code(KEY, "b1", 3)
    grouped = display(code)
    assert check_format(grouped) == code
    assert check_format(grouped.lower()) == code
    assert check_format(" " + grouped.replace("-", " ") + " ") == code
    assert check_format(grouped.replace("-", "_")) == code


def test_o_reads_as_zero_and_i_and_l_read_as_one():
    data = "0101" * 3
    code = data + codes.check_symbol(data)
    assert check_format("OIOL-oiol-OLOI-" + code[12]) == code
    assert normalise("oil") == "011"


def test_full_width_input_from_chinese_ime_is_folded_to_ascii():
    code = derive_code(KEY, "b1", 9)
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in display(code))  # ASCII -> FF01..FF5E
    assert check_format(full_width) == code
    assert check_format(display(code).replace("-", "\u3000")) == code  # ideographic space
    assert check_format(display(code).replace("-", "\u2014")) == code  # em dash
    assert normalise("Ａ－０ｏ") == "A00"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "K7QM",
        "K7QM-3XPD-9TRA",  # the check symbol is missing
        "K7QM-3XPD-9TRA-5A",  # one symbol too many
        "K7QM-3XPD-9TRA-5" * 10,
        "🙂" * 13,
        "K7QM-3XPD-9TR🙂-5",
        "K7QU-3XPD-9TRA-5",  # U is not in Crockford's alphabet
        "K7QM-3XPD-9TRA-*",  # Crockford's extra check symbols are not ours
        "评议码评议码评议码评议码评",
    ],
)
def test_malformed_inputs_raise_malformed_code(text):
    with pytest.raises(MalformedCode):
        check_format(text)


def test_u_is_never_folded_into_a_valid_symbol():
    code = derive_code(KEY, "b1", 1)
    for position in range(13):
        with pytest.raises(MalformedCode):
            check_format(code[:position] + "U" + code[position + 1 :])


def test_malformed_code_is_a_domain_error_with_a_chinese_message():
    with pytest.raises(DomainError) as caught:
        check_format("nonsense")
    assert caught.value.message == "评议码有误，请核对后重新输入"
    assert caught.value.status == 400


def test_display_groups_four_four_four_and_the_check_symbol():
    code = derive_code(KEY, "b1", 5)
    assert display(code) == f"{code[:4]}-{code[4:8]}-{code[8:12]}-{code[12]}"


def test_digest_is_keyed_and_the_same_for_every_spelling_of_a_code():
    code = derive_code(KEY, "b1", 5)
    stored = codes.digest(LOOKUP_KEY, code)
    assert stored == hmac.new(LOOKUP_KEY, code.encode(), hashlib.sha256).hexdigest()
    assert codes.digest(LOOKUP_KEY, display(code).lower()) == stored
    assert codes.digest(b"other-lookup-key", code) != stored
    assert code not in stored


def test_code_url_puts_the_grouped_code_in_the_fragment():
    code = derive_code(KEY, "b1", 5)
    assert codes.code_url("https://pingyi.example.gov.cn/", code) == f"https://pingyi.example.gov.cn/r#{display(code)}"
    assert codes.code_url("https://x.cn/eval", code) == f"https://x.cn/eval/r#{display(code)}"


derived = st.builds(derive_code, st.just(KEY), st.text(max_size=20), st.integers(min_value=0, max_value=2**40))


@given(derived)
def test_display_round_trips_through_check_format(code):
    assert check_format(display(code)) == code
    assert check_format(display(code).lower()) == code


@given(derived, st.lists(st.sampled_from([" ", "-", "_", "－", "\u3000"]), max_size=13))
def test_separators_anywhere_are_ignored(code, separators):
    spaced = "".join(symbol + (separators[i] if i < len(separators) else "") for i, symbol in enumerate(code))
    assert check_format(spaced) == code


@given(st.text(max_size=80))
def test_any_text_gives_a_canonical_code_or_malformed_code(text):
    try:
        code = check_format(text)
    except MalformedCode:
        return
    assert len(code) == 13
    assert set(code) <= set(ALPHABET)
    assert code[12] == codes.check_symbol(code[:12])
