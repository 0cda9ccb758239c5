"""dsop-sandbox: a deterministic simulator of the Norwegian DSOP Control Information ecosystem.

The code cites the standard by ids and sections — rules `R-22`, decisions `D13`, open questions `Q-10` / `Q20`,
`spec/protocol.md §3.7.4`, `DESIGN §2` — which resolve under docs/standard/ (its README says how).
"""

__version__ = "0.1.0"
