"""What every service shares: who acts (context), errors, the audit trail, sign-in, people, the
free-text guard, export marking, optimistic concurrency.
"""
