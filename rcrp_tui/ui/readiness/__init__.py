"""The go-live readiness screen and its dialogs."""
