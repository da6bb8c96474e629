"""The KPIs and the programme-board report in every format."""
