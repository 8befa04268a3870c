"""Every router of the application, in one list (API routers first, then pages)."""

from cchc.app.pages import admin as admin_index
from cchc.app.pages import router as home_pages
from cchc.auth.audit_pages import router as audit_pages
from cchc.auth.oidc_pages import router as sign_on_pages
from cchc.auth.pages import router as auth_pages
from cchc.auth.unit_pages import router as unit_admin_pages
from cchc.auth.user_pages import router as user_admin_pages
from cchc.auth.views import router as auth_api
from cchc.auth.views import users as users_api
from cchc.calendar.pages import router as calendar_admin_pages
from cchc.dossiers.lookup_pages import router as lookup
from cchc.dossiers.pages import router as dossier_pages
from cchc.dossiers.views import router as dossier_api
from cchc.reports.dashboard import router as dashboard_pages
from cchc.reports.pages import router as report_pages
from cchc.reports.views import router as figures_api
from cchc.stats.pages import router as stats_pages
from cchc.stats.views import router as stats_api
from cchc.procedures.pages import admin as procedure_admin_pages
from cchc.procedures.pages import router as procedure_pages
from cchc.procedures.views import router as procedure_api
from cchc.feedback.pages import router as feedback_pages
from cchc.feedback.views import router as feedback_api
from cchc.ratings.views import router as rating_api
from cchc.citizen.pages import api as citizen_api
from cchc.citizen.pages import router as citizen_pages
from cchc.submissions.pages import router as submission_pages
from cchc.submissions.views import router as submission_api
from cchc.reform.views import router as reform_api
from cchc.reform.pages import router as reform_pages
from cchc.interop.open311 import router as open311_api
from cchc.tasks.views import router as tasks_api
from cchc.tasks.pages import router as tasks_pages
from cchc.payments.pages import router as payment_pages
from cchc.payments.views import router as payment_api
from cchc.sync.pages import router as sync_pages
from cchc.sync.views import router as sync_api
from cchc.jobs.pages import router as queue_pages
from cchc.notifications.pages import router as notification_pages

ROUTERS = [
    auth_api,
    users_api,
    procedure_api,
    dossier_api,
    figures_api,  # GET /api/v1/stats, every domain's figures; then the rest of /api/v1/stats
    stats_api,
    feedback_api,
    rating_api,
    citizen_api,
    submission_api,
    reform_api,
    tasks_api,
    payment_api,
    sync_api,
    auth_pages,
    sign_on_pages,
    audit_pages,
    home_pages,
    lookup,
    procedure_pages,
    # the administration (/quan-tri): its menu, then each domain's pages
    admin_index,
    procedure_admin_pages,
    unit_admin_pages,
    user_admin_pages,
    calendar_admin_pages,
    queue_pages,  # /quan-tri/hang-doi, the IT page of the job queue
    notification_pages,  # /quan-tri/thong-bao (messages sent) and /ca-nhan/thong-bao (the person's channels)
    dossier_pages,
    dashboard_pages,  # /thong-ke; the dossiers behind a figure are stats_pages'
    stats_pages,
    report_pages,
    citizen_pages,
    feedback_pages,
    tasks_pages,
    open311_api,
    reform_pages,
    submission_pages,
    payment_pages,
    sync_pages,
]
