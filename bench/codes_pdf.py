"""Printing a batch of code slips, against the floor of computing its bare QR matrices.

    .venv/bin/python -m bench.codes_pdf [--count 10000]

The floor is plain ``qrcode`` with its default settings (automatic mask search) computing
one matrix per slip URL: what any QR-printing code would pay at least. The product derives
the codes and renders the whole PDF through ``surveys.printing.render_slips``. Both run in
the same process, on the same URLs, so the ratio holds on any machine. Target: ratio <= 1.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import qrcode

from surveys import codes, printing

KEY = b"bench-derivation-key-32-bytes!!!"
BASE_URL = "https://pingyi.example.gov.cn"
CAMPAIGN = "2026年度万名群众评议百名科长"


def floor(urls: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds for plain qrcode, default settings, to compute each URL's matrix."""
    started, cpu = time.perf_counter(), time.process_time()
    for url in urls:
        qr = qrcode.QRCode()
        qr.add_data(url)
        qr.make(fit=True)
    return time.perf_counter() - started, time.process_time() - cpu


def product(count: int, path: str) -> tuple[float, float, int]:
    """Wall and CPU seconds to derive ``count`` codes and render their slips to ``path``;
    and the pages."""
    started, cpu = time.perf_counter(), time.process_time()
    slips = (
        printing.Slip(code, codes.code_url(BASE_URL, code), CAMPAIGN)
        for code in (codes.derive_code(KEY, "bench", i) for i in range(count))
    )
    with open(path, "wb") as out:
        pages = printing.render_slips(slips, out, title=f"{CAMPAIGN} 基准测试 1–{count}")
    return time.perf_counter() - started, time.process_time() - cpu, pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="slips to print (default 10000)")
    count = parser.parse_args().count

    printing.register_fonts()  # once per process in real use too; not part of either run
    urls = [codes.code_url(BASE_URL, codes.derive_code(KEY, "bench", i)) for i in range(count)]
    floor_s, floor_cpu = floor(urls)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "slips.pdf")
        product_s, product_cpu, pages = product(count, path)
        size = os.path.getsize(path)

    # CPU time is shown too: on a shared machine wall time also measures the neighbours.
    print(f"slips               {count}")
    print(f"floor (qrcode)      {floor_s:7.2f} s  (cpu {floor_cpu:6.2f} s)  {count / floor_s:6.0f} matrices/s")
    print(f"product (PDF)       {product_s:7.2f} s  (cpu {product_cpu:6.2f} s)  {count / product_s:6.0f} slips/s")
    print(f"pages               {pages}")
    print(f"ratio product/floor {product_s / floor_s:7.2f}    (cpu {product_cpu / floor_cpu:6.2f})    target <= 1.00")
    print(f"PDF size            {size / 1e6:7.2f} MB  {size / count / 1e3:.2f} kB per slip")


if __name__ == "__main__":
    main()
