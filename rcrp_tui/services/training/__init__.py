"""Training records: who is trained for which RCRP phase, and the share trained."""
