"""A fake bank's DSOP Control API v2 (+ the v2.1 Owners endpoint): rules, wire format, errors, views."""
