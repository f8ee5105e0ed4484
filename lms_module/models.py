"""Import every model module so that ``Base.metadata`` knows all tables (for Alembic, tests)."""

from __future__ import annotations

from lms_module.audit.models import AuditEvent
from lms_module.certification import models as certification_models  # noqa: F401 (certificates)
from lms_module.coverage import models as coverage_models  # noqa: F401 (rollups)
from lms_module.families import models as family_models  # noqa: F401 (links, letters, consent)
from lms_module.in_person import models as in_person_models  # noqa: F401 (sessions held in person)
from lms_module.jobs import models as job_models  # noqa: F401 (jobs and their files)
from lms_module.learning import models as learning_models  # noqa: F401 (courses, learner state)
from lms_module.notifications import models as notification_models  # noqa: F401 (messages)
from lms_module.obligations import models as obligation_models  # noqa: F401 (targets, assignments)
from lms_module.orgs.models import OrgUnit
from lms_module.people.models import Membership, TeachingAssignment, User
from lms_module.roster.models import RosterUpload
from lms_module.school_years import models as school_year_models  # noqa: F401 (closings)

__all__ = ["AuditEvent", "Membership", "OrgUnit", "RosterUpload", "TeachingAssignment", "User"]
