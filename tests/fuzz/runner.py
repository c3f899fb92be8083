"""Sending a share of the fuzz requests from a process of its own, with its own app and client."""

from __future__ import annotations

import re
from collections import Counter

from evalsite import create_app
from tests.fuzz.requests import RequestFuzzer


def csrf_token(client) -> str:
    page = client.get("/r")
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)[1]


def send_share(config: dict, ids: dict, seed: int, count: int) -> tuple[Counter, list[str]]:
    """Send ``count`` requests; return how many got each status, and the 5xx ones."""
    app = create_app(config)
    try:
        rules = sorted({(r.rule, tuple(sorted(r.arguments))) for r in app.url_map.iter_rules()})
        client = app.test_client()
        fuzzer = RequestFuzzer(seed, rules, ids, [csrf_token(client)])
        statuses, errors = Counter(), []
        for i in range(count):
            if i % 2000 == 0:
                fuzzer.tokens = [csrf_token(client)]  # a logout or language switch may have reset the session
            request = fuzzer.request()
            response = client.open(
                request.path,
                method=request.method,
                query_string=request.query,
                headers=request.headers,
                data=request.body,
                environ_base={"REMOTE_ADDR": request.remote_addr},
            )
            response.close()
            statuses[response.status_code] += 1
            if response.status_code >= 500:
                errors.append(f"{response.status_code} {request}")
        return statuses, errors
    finally:
        app.extensions["evalsite.engine"].dispose()
