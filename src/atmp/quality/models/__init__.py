"""The quality system's tables, one module per area (each re-exported here for Django's loader)."""

from atmp.quality.models.complaints import *  # noqa: F403
from atmp.quality.models.inspections import *  # noqa: F403
from atmp.quality.models.recalls import *  # noqa: F403
from atmp.quality.models.suppliers import *  # noqa: F403
