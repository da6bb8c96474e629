"""Partner appeals: recording and deciding, learning actions, QA requests, lists and figures."""
