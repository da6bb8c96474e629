"""The App itself, where it can go (navigation), sign-in and help."""
