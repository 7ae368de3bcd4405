from django.utils.translation import gettext_lazy as _


class ServiceError(Exception):
    """A business rule refused the action; ``message`` says why, for the person who tried."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class Conflict(ServiceError):
    """Someone else changed the complaint between reading and acting on it."""

    def __init__(self, message=None):
        super().__init__(
            message
            or _("Someone else changed this complaint a moment ago. Reload it and try again.")
        )
