"""The fake Maskinporten: token endpoint, metadata and JWKS, and the token check every API runs (D11, D12)."""
