"""Names for third-party apps in the admin, in the site's languages.

django-axes gives its app no name (the admin shows "Axes"), and neither it nor django-auditlog
ships a Chinese catalogue: the names below are marked here so that the project's catalogue
translates them (the project's translations take precedence over an app's own).
"""

from __future__ import annotations

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class AxesConfig(AxesAppConfig):
    verbose_name = _("Sign-in lockouts")


# The third-party names the admin shows (translated through the project's catalogue).
THIRD_PARTY_NAMES = [
    gettext_noop("Audit log"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
]
