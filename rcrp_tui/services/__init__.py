"""The one service layer. Every write goes through here: it checks the signed-in user's
role, validates the input, and writes the audit record in the same transaction.

Screens call these functions; they never touch SQL. Results cross back as frozen
dataclasses, never ORM objects, so they are safe to hand from a worker thread to the UI.
"""
