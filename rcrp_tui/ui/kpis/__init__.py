"""KPIs and the programme-board report."""
