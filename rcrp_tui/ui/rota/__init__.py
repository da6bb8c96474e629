"""The floorwalking rota: the week grid, coverage, changes and export."""
