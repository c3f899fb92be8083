"""The code keys from configuration, as the domain core takes them."""

from __future__ import annotations

from flask import current_app

from surveys.services.issuing import CodeKeys


def code_keys() -> CodeKeys:
    config = current_app.config
    return CodeKeys(derive=config["CODE_KEY"].encode(), lookup=config["LOOKUP_KEY"].encode())
