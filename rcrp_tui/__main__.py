"""Allow ``python -m rcrp_tui``."""

from rcrp_tui.cli import main

raise SystemExit(main())
