"""Each role's home screen."""
