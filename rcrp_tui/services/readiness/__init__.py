"""Go-live readiness: per-shift go-live briefings, the checklists, the report."""
