"""sandbox/jwt_segments.py: reading a JWT's header and payload unverified never raises, whatever it is given."""

from __future__ import annotations

import base64

import orjson
import pytest

from sandbox import jwt_segments


def _b64(value) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(value)).decode().rstrip("=")


def test_header_and_payload_of_a_jws():
    token = f"{_b64({'alg': 'PS256', 'typ': 'JWT'})}.{_b64({'iss': 'x', 'n': 1})}.c2ln"
    assert jwt_segments.header(token) == {"alg": "PS256", "typ": "JWT"}
    assert jwt_segments.payload(token) == {"iss": "x", "n": 1}


@pytest.mark.parametrize("token, header", [
    (None, None), (42, None), ("", None), ("abc", None), ("a.b", None), ("!!!.###.$$$", None),
    (f"{_b64([1, 2])}.{_b64('text')}.x", None),  # JSON, but not objects
    ("eyJhbGciOiJub25lIn0", {"alg": "none"}),  # a header and nothing else
])
def test_anything_else_is_none(token, header):
    assert jwt_segments.header(token) == header
    assert jwt_segments.payload(token) is None
