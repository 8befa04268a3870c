"""Every router of the application, in one list (API routers first, then pages)."""

from cchc.auth.pages import router as auth_pages
from cchc.auth.views import router as auth_api
from cchc.web.pages import router as home_pages
from cchc.web.portal import router as portal

ROUTERS = [
    auth_api,
    auth_pages,
    home_pages,
    portal,
]
