"""Where the data lives: tables, the database engine, migrations and paged queries.

Nothing in this package imports ``textual`` or the service layer.
"""
