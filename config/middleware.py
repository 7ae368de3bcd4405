"""Chinese first: the UI opens in Simplified Chinese whatever the browser asks for.

Front-desk PCs are often set up with English browsers; staff pick English explicitly with the
language switch (a cookie), which Django's LocaleMiddleware honours after this runs.

Also the project's security middleware: Permissions-Policy, the idle session timeout and
``Cache-Control: no-store`` for signed-in pages; and the client address django-axes counts.
"""

import ipaddress
import time

from auditlog.middleware import AuditlogMiddleware
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import resolve_url


class ChineseFirstMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


# --- security and sessions -------------------------------------------------------------------
def client_ip(request) -> str | None:
    """The client's address: the connection's, unless ``TRUSTED_PROXY_COUNT`` proxies are
    trusted, then the address the outermost of them saw (counted from the right of
    ``X-Forwarded-For``, since anything further left was written by the client).

    Used by django-axes to count failed logins per address."""
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    chain = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    chain = [h for h in chain if h]
    if not chain:
        return remote
    candidate = chain[-count] if len(chain) >= count else chain[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


class PermissionsPolicyMiddleware:
    """Sends ``Permissions-Policy`` (settings.PERMISSIONS_POLICY) with every response."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(f"{k}={v}" for k, v in settings.PERMISSIONS_POLICY.items())

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


def _background(request) -> bool:
    """An htmx GET (the home page's poll, a live search): not the person at the desk acting."""
    return request.method == "GET" and request.headers.get("HX-Request") == "true"


class IdleSessionMiddleware:
    """A session ends after ``SESSION_COOKIE_AGE`` without activity.

    Every request but a background one pushes the expiry on (saves the session, renews its
    cookie); ``SESSION_SAVE_EVERY_REQUEST`` would let the home page's poll keep a desk PC
    logged in for ever.  When a background request finds the session gone, htmx is told to
    reload the page (which then goes to the login page) instead of swapping a login form into
    a fragment."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        background = _background(request)
        if session is not None and not background and session.session_key:
            # Renew at most once a minute: the expiry moves on without a session write on
            # every click (a minute is nothing against a 30-minute idle timeout).
            minute = int(time.time() // 60)
            if session.get("_active_minute") != minute:
                session["_active_minute"] = minute
        response = self.get_response(request)
        if background and response.status_code == 302:
            login = resolve_url(settings.LOGIN_URL)
            if response.get("Location", "").startswith(login):
                response = HttpResponse(status=204)
                response["HX-Refresh"] = "true"
        return response


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every answer to a signed-in user: pages with residents'
    names, phones and photos must not stay in a shared front-desk PC's browser cache.
    Static files (served by WhiteNoise before this runs) keep their long caching."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store, private"
            response["Pragma"] = "no-cache"
        return response


class RefuseNulBytesMiddleware:
    """Answer 400 to an address whose path or query holds a NUL character (``%00``).

    No page has a use for one, and PostgreSQL refuses text containing it, so a search for
    ``a%00b`` would otherwise end in a database error.  One layer only: views still validate
    what they read (forms refuse NUL in posted text by themselves)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            from django.template.response import TemplateResponse
            from django.utils.translation import gettext

            response = TemplateResponse(
                request,
                "400.html",
                {
                    "reason": gettext(
                        "The address contains a control character (NUL) that no page accepts."
                    )
                },
                status=400,
            )
            return response.render()
        return self.get_response(request)


class AuditActorMiddleware(AuditlogMiddleware):
    """django-auditlog's middleware (the signed-in person becomes the actor of every change
    made during the request), with the client address taken as django-axes takes it: from the
    proxies only when they are trusted (``TRUSTED_PROXY_COUNT``), never from whatever the
    client wrote into ``X-Forwarded-For``."""

    @staticmethod
    def _get_remote_addr(request):
        return client_ip(request)
