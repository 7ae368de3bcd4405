from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self):
        from .roles import apply_role_permissions

        # After the whole migrate (the signal is sent once per app; the last app's is enough,
        # but running on each is idempotent and cheap).
        post_migrate.connect(apply_role_permissions, dispatch_uid="complaints.roles")

        # The admin has loaded every app's admin module by now (it comes first in
        # INSTALLED_APPS): its lists answer an impossible date with 400, not a server error.
        from django.contrib import admin

        from .admin_safety import protect_change_lists

        protect_change_lists(admin.site)

        from .audit import register_audited_models

        register_audited_models()
