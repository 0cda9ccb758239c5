"""The bank API's own value formats, one definition each: the parsers (params.py, pagination.py, references.py)
match with them and the request schemas (schemas.py, hence /openapi/bank.json) publish them, so the document a
consumer validates its requests against can never drift from what the server accepts (issue 14).

A leaf module on purpose: the parsers import errors.py, errors.py dumps through schemas.py, and schemas.py needs
these patterns, so they cannot live in the parsers without an import cycle (tests/test_layering.py)."""

from __future__ import annotations

#: The opaque page cursor of `next`/`prev` links (D6): 16 URL-safe base64 characters (pagination.py).
CURSOR_LENGTH = 16
CURSOR_PATTERN = f"^[A-Za-z0-9_-]{{{CURSOR_LENGTH}}}$"

#: An accountReference as issued (D14): lower-case UUID form, matched exactly (references.py).
REFERENCE_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"

#: The Owners endpoint's accountID (D2): the 11-digit account number (params.py).
ACCOUNT_NUMBER_PATTERN = r"^[0-9]{11}$"
