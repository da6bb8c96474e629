"""Allow ``python -m rcrp_tui``."""

from rcrp_tui.cli.main import main

raise SystemExit(main())
