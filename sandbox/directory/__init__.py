"""The fake API directory (data.altinn.no "Kontrollinformasjon"): each bank's DSOP Control API base URL."""
