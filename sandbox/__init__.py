"""dsop-sandbox: a deterministic simulator of the Norwegian DSOP Control Information ecosystem."""

__version__ = "0.1.0"
