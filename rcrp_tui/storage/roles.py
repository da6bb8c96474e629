"""A least-privilege PostgreSQL role for the application (``rcrp-tui db grant NAME``).

The schema owner runs the migrations and owns every table, trigger and function. The
application connects as another role that may read and write the ordinary tables, but on
``audit_log`` only read and add rows, and on ``audit_chain_head`` only read it and move it
(which its trigger allows only as a new audit row is added). Not being the owner, the
application role cannot drop or disable a trigger, truncate a table or alter the schema;
only the owner (or a superuser) can, and ``rcrp-tui audit verify`` detects what they do to
the audit rows.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, text

from rcrp_tui.storage.db import Database

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_AUDIT_TABLES = ("audit_log", "audit_chain_head", "alembic_version")


class RoleError(ValueError):
    """The role cannot be set up as asked (the message says why)."""


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def app_role_statements(conn: Connection, role: str) -> list[str]:
    """The GRANT and REVOKE statements that give ``role`` exactly what the app needs."""
    schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    tables = list(
        conn.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "ORDER BY tablename"
            )
        ).scalars()
    )
    sequences = list(
        conn.execute(
            text(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema() "
                "ORDER BY sequencename"
            )
        ).scalars()
    )
    r, s = _quoted(role), _quoted(schema)
    out = [f"GRANT USAGE ON SCHEMA {s} TO {r}"]
    for table in tables:
        t = f"{s}.{_quoted(table)}"
        out.append(f"REVOKE ALL ON {t} FROM {r}")
        if table == "audit_log":
            out.append(f"GRANT SELECT, INSERT ON {t} TO {r}")
        elif table == "audit_chain_head":
            # UPDATE lets the app lock the head (SELECT ... FOR UPDATE) and its insert
            # trigger move it; the head's own trigger refuses any other change.
            out.append(f"GRANT SELECT, UPDATE ON {t} TO {r}")
        elif table == "alembic_version":
            out.append(f"GRANT SELECT ON {t} TO {r}")
        else:
            out.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {t} TO {r}")
    for sequence in sequences:
        q = f"{s}.{_quoted(sequence)}"
        out.append(f"REVOKE ALL ON SEQUENCE {q} FROM {r}")
        if not sequence.startswith("audit_log_"):
            out.append(f"GRANT USAGE, SELECT ON SEQUENCE {q} TO {r}")
    return out


def grant_app_role(db: Database, role: str) -> tuple[bool, list[str]]:
    """Create ``role`` (LOGIN, no password) if it does not exist and grant it what the app
    needs. Returns (created, statements run). Run as the schema owner after every upgrade."""
    if db.is_sqlite:
        raise RoleError("database roles exist only on PostgreSQL; a SQLite file has no roles")
    if not _NAME.match(role):
        raise RoleError(
            f"{role!r} is not a plain role name: use lower-case letters, digits and "
            "underscores, starting with a letter"
        )
    with db.write_connection() as conn:
        owner = conn.execute(
            text(
                "SELECT tableowner FROM pg_tables WHERE schemaname = current_schema() "
                "AND tablename = 'audit_log'"
            )
        ).scalar()
        if owner is None:
            raise RoleError("the schema is not there yet: run `rcrp-tui db upgrade` first")
        if role == owner or role == conn.execute(text("SELECT current_user")).scalar_one():
            raise RoleError(
                f"{role} owns the schema; the application's role must be a different role, "
                "or it could drop the audit log's triggers"
            )
        exists = conn.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": role}
        ).first()
        if exists is not None:
            superuser = conn.execute(
                text("SELECT rolsuper FROM pg_roles WHERE rolname = :name"), {"name": role}
            ).scalar_one()
            if superuser:
                raise RoleError(
                    f"{role} is a superuser, which no grant can restrict; create a plain role"
                )
            member = conn.execute(
                text("SELECT pg_has_role(:name, :owner, 'USAGE')"),
                {"name": role, "owner": owner},
            ).scalar_one()
            if member:
                raise RoleError(
                    f"{role} is a member of {owner}, the schema owner, and so holds the "
                    "owner's rights; use a role that is not"
                )
        statements = [] if exists else [f"CREATE ROLE {_quoted(role)} LOGIN"]
        statements += app_role_statements(conn, role)
        for statement in statements:
            conn.exec_driver_sql(statement)
    return exists is None, statements
