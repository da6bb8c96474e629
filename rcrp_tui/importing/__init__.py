"""Importing decisions from CAD exports through a mapping profile."""
