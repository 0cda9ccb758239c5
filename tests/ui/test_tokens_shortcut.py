"""The Tokens page says when its token-endpoint curl line (the sandbox shortcut grant) would be refused because the
server runs with the shortcut off (`--token-shortcut off`, or `--admin-token` without `--token-shortcut on`), and
the token endpoint does refuse that very line."""

from __future__ import annotations

import html
import re
import shlex

import pytest

from sandbox.app import build_services, create_app
from sandbox.config import Settings


def _token_endpoint_form(page: str) -> dict:
    curl = html.unescape(re.search(r'<pre id="token-curl"[^>]*>(.*?)</pre>', page, re.S).group(1))
    words = shlex.split(curl)
    return dict(words[i + 1].split("=", 1) for i, w in enumerate(words) if w == "-d")


@pytest.mark.parametrize("shortcut, refused", [("off", True), ("on", False)])
def test_the_tokens_page_says_when_the_shortcut_line_is_refused(tmp_path, shortcut, refused):
    settings = Settings(state_dir=str(tmp_path), token_shortcut=shortcut)
    client = create_app(settings, build_services(settings)).test_client()
    page = client.post("/tokens", data={"consumer": "skatteetaten", "scope": "bits:kontoinformasjon", "ttl": "600",
                                        "audience": settings.public_url + "/banks/320907063/v2",
                                        "party": "ola-joint"}).get_data(as_text=True)
    answer = client.post("/maskinporten/token", data=_token_endpoint_form(page))
    if refused:
        assert answer.status_code == 400 and answer.get_json()["error"] == "unsupported_grant_type"
        note = html.unescape(page.split('data-testid="token-curl-refused"')[1].split("</div>")[0])
        assert "does not take the sandbox shortcut grant" in note and "jwt-bearer" in note
    else:
        assert answer.status_code == 200 and 'data-testid="token-curl-refused"' not in page
