"""The floorwalking rota: planning changes, loading state, exports."""
