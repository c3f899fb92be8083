"""What a code batch prints as: its slips and title for `surveys.printing`, its code list as
CSV, and the per-unit print (每个单位一批) of several batches with a separator page per unit.

Used by the batch pages, the background print jobs and ``flask issue-codes``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TextIO

from surveys import codes
from surveys.cells import csv_writer
from surveys.i18n import N_
from surveys.models import BatchScope, CodeBatch
from surveys.printing import Section, Slip

_BATCH_NAME = N_("第 %(id)d 批")


def slips_title(batch: CodeBatch, translate: Callable[..., str]) -> str:
    """The PDF title and page header: enough to collate printed sheets.

    ``translate`` is the caller's gettext (the core never imports flask).
    """
    parts = [batch.round.campaign.name, batch.round.name, batch.group.name, translate(_BATCH_NAME, id=batch.id)]
    return " · ".join([*parts, batch.label] if batch.label else parts)


def batch_slips(batch: CodeBatch, batch_codes: Iterable[str], base_url: str) -> Iterator[Slip]:
    """One slip per code, naming the bound target or unit when the batch has one."""
    if batch.scope is BatchScope.TARGET:
        bound = f"{batch.target.name}（{batch.target.title}）" if batch.target.title else batch.target.name
    else:
        bound = batch.unit.name if batch.scope is BatchScope.UNIT else ""
    campaign = batch.round.campaign.name
    for code in batch_codes:
        yield Slip(code=code, url=codes.code_url(base_url, code), campaign=campaign, target=bound)


_PER_UNIT = N_("每个单位一批")
_BATCH_RANGE = N_("第 %(first)d–%(last)d 批")
_SEPARATOR_GROUP = N_("评议主体：%(group)s")
_SEPARATOR_COUNT = N_("评议码 %(n)d 个 · 第 %(id)d 批")


def unit_batches_title(batches: list[CodeBatch], translate: Callable[..., str]) -> str:
    """The title of a per-unit print: campaign, round, group and the batches' numbers."""
    first = batches[0]
    numbers = translate(_BATCH_RANGE, first=batches[0].id, last=batches[-1].id)
    parts = [first.round.campaign.name, first.round.name, first.group.name, translate(_PER_UNIT), numbers]
    return " · ".join([*parts, first.label] if first.label else parts)


def unit_sections(
    batches: Iterable[CodeBatch],
    codes_of: Callable[[CodeBatch], Iterable[str]],
    base_url: str,
    translate: Callable[..., str],
) -> Iterator[Section]:
    """One section per unit batch for `render_sections`: a separator page (unit, how many
    codes, which batch) and its slips; ``codes_of`` derives a batch's codes."""
    for batch in batches:
        lines = (
            translate(_SEPARATOR_GROUP, group=batch.group.name),
            translate(_SEPARATOR_COUNT, n=batch.size, id=batch.id),
            f"{batch.round.campaign.name} · {batch.round.name}",
        )
        yield Section(batch.unit.name, lines, batch_slips(batch, codes_of(batch), base_url))


def write_unit_codes_csv(
    batches: Iterable[CodeBatch], codes_of: Callable[[CodeBatch], Iterable[str]], base_url: str, out: TextIO
) -> int:
    """Write ``unit,batch,code,url`` rows after a BOM, unit by unit; returns the row count."""
    out.write("\ufeff")  # Excel on Windows then reads UTF-8 correctly
    writer = csv_writer(out, lineterminator="\r\n")
    writer.writerow(["unit", "batch", "code", "url"])
    n = 0
    for batch in batches:
        for code in codes_of(batch):
            writer.writerow([batch.unit.name, batch.id, codes.display(code), codes.code_url(base_url, code)])
            n += 1
    return n


def write_codes_csv(batch_codes: Iterable[str], base_url: str, out: TextIO) -> int:
    """Write ``code,url`` rows (grouped code, QR address) after a BOM; returns the row count."""
    out.write("\ufeff")  # Excel on Windows then reads UTF-8 correctly
    writer = csv_writer(out, lineterminator="\r\n")
    writer.writerow(["code", "url"])
    n = 0
    for code in batch_codes:
        writer.writerow([codes.display(code), codes.code_url(base_url, code)])
        n += 1
    return n
