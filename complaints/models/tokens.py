"""One-time form tokens: a form sent twice (a double click, a resend after a slow answer)
is acted on once.  See :mod:`complaints.form_tokens`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UsedFormToken(models.Model):
    """A form's token, kept once the form it came with has been acted on."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    token = models.CharField(_("token"), max_length=64)
    at = models.DateTimeField(_("at"), default=timezone.now)
    what = models.CharField(_("what"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("used form token")
        verbose_name_plural = _("used form tokens")
        constraints = [
            models.UniqueConstraint(fields=["user", "token"], name="form_token_once_per_user")
        ]
        indexes = [models.Index(fields=["at"], name="form_token_at")]

    def __str__(self) -> str:
        return self.token
