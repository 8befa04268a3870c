"""Every router of the application, in one list (API routers first, then pages)."""

from cchc.auth.pages import router as auth_pages
from cchc.auth.views import router as auth_api
from cchc.dossiers.pages import router as dossier_pages
from cchc.dossiers.views import router as dossier_api
from cchc.web.admin import router as admin_pages
from cchc.web.pages import router as home_pages
from cchc.web.portal import router as portal
from cchc.procedures.pages import router as procedure_pages
from cchc.procedures.views import router as procedure_api

ROUTERS = [
    auth_api,
    procedure_api,
    dossier_api,
    auth_pages,
    home_pages,
    portal,
    procedure_pages,
    admin_pages,
    dossier_pages,
]
