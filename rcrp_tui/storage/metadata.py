"""All tables, gathered into one MetaData for Alembic and for schema checks."""

from sqlmodel import SQLModel

from rcrp_tui.storage import models  # noqa: F401  (registers the tables)

target_metadata = SQLModel.metadata
