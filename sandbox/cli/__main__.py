"""`python -m sandbox.cli ...` is `dsop-sandbox ...`."""

from sandbox.cli.main import main

raise SystemExit(main())
