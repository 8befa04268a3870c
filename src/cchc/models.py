"""Every table of cchc, imported in one place so Alembic, the tests and the benchmarks see the whole schema.

Above every domain (it imports each one's models) and imported by nobody inside cchc but the migrations'
environment: cchc.db, which the domains' models build on, stays below them."""

from cchc.audit.models import AuditEntry, AuditHead  # noqa: F401
from cchc.audit import service as _audit  # noqa: F401 — records every change; its triggers on create_all
from cchc.auth.models import AuthSession, LoginAttempt, User  # noqa: F401
from cchc.calendar.cache import CacheGeneration  # noqa: F401 — the tokens of the per-process caches
from cchc.calendar.models import CalendarOverride, OfficeHours  # noqa: F401
from cchc.dossiers.models import (  # noqa: F401
    Dossier,
    DossierComponent,
    DossierCounter,
    DossierEvent,
    DossierFile,
    DossierStep,
)
from cchc.feedback.models import Feedback, FeedbackEvent, FeedbackVote  # noqa: F401
from cchc.jobs.models import DeadLetter  # noqa: F401
from cchc.payments.models import Payment  # noqa: F401
from cchc.notifications.models import Notification, Preference  # noqa: F401
from cchc.notifications import service as _notifications  # noqa: F401 — writes a message with each action that tells someone
from cchc.procedures.models import Component, FeeLine, Field, ProcessStep, Procedure, Publication  # noqa: F401
from cchc.ratings.models import Rating  # noqa: F401
from cchc.stats.models import DossierDayCount  # noqa: F401
from cchc.stats import daily as _daily  # noqa: F401 — installs the counts triggers on create_all
from cchc.reform.models import CommunicationActivity, DirectiveDocument, Inspection, ManualFigure, PlanItem, ReportNarrative, Submission  # noqa: F401
from cchc.stats.figure_cache import FigureCache, FigureDossierMonth, FigureTableVersion  # noqa: F401 — and their triggers on create_all
from cchc.submissions.models import Reminder, SubmissionEvent, UnitReporting  # noqa: F401
from cchc.sync.models import InboundDossier, OutboxRow  # noqa: F401
from cchc.sync import outbox as _sync_outbox  # noqa: F401 — writes the outbox row of each dossier change
from cchc.tasks.models import AssigningDocument, Task, TaskEvent, TaskReminder, TaskUnit  # noqa: F401
from cchc.units.models import Unit, UnitSuccession  # noqa: F401


def import_all_models() -> None:
    """Every table is known to Base.metadata once this module is imported; callers that build a schema
    (tests, benchmarks, Alembic) call this to say so where they need it."""
