"""QR codes as inline SVG, for the terminal API and the poster pages."""

from __future__ import annotations

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from qrcode.image.svg import SvgPathImage

from surveys.printing import MASK_PATTERN


def qr_svg(data: str) -> str:
    """An SVG QR code as one path (no Pillow); level M and a fixed mask, as on printed slips."""
    qr = qrcode.QRCode(
        error_correction=ERROR_CORRECT_M, box_size=10, border=4, mask_pattern=MASK_PATTERN, image_factory=SvgPathImage
    )
    qr.add_data(data)
    qr.make(fit=True)
    return qr.make_image().to_string(encoding="unicode")
