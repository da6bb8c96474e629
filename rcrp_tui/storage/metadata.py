"""All tables, gathered into one MetaData for Alembic and for schema checks."""

from sqlmodel import SQLModel

import rcrp_tui.storage.appeal_models
import rcrp_tui.storage.calibration_models
import rcrp_tui.storage.change_feed
import rcrp_tui.storage.coaching_models
import rcrp_tui.storage.import_models
import rcrp_tui.storage.kpi_models
import rcrp_tui.storage.readiness_models
import rcrp_tui.storage.retention_models
import rcrp_tui.storage.review_models
import rcrp_tui.storage.rota_models
import rcrp_tui.storage.sampling_models
import rcrp_tui.storage.training_models  # noqa: F401
from rcrp_tui.storage import models  # noqa: F401  (registers the tables)

target_metadata = SQLModel.metadata
