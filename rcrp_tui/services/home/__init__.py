"""What each role's home screen shows."""
