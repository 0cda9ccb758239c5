"""Compatibility profiles (DESIGN D22, docs/compatibility.md): `strict`, the standard to the letter, and
`production`, what real participants accept and answer. Plain Python, no Flask.

- profiles.py: which profile the register and each bank answer with (scenario, `--profile`) → Compat;
- deviations.py: the tables of what production accepts and of the bank knobs, each row with its source;
- knobs.py: a production bank's knobs, decided per request from its CorrelationID and applied after the rules;
- auth.py: the token check with a participant's options (bare token, extra audiences).
"""

from .profiles import PRODUCTION, PROFILES, STRICT, AuthOptions, Compat  # noqa: F401
