from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("residents/", include("residents.urls")),
    # The revisit online: the rating link sent by SMS (no sign-in).
    path("r/rate/", include("residents.messaging.urls")),
    path("r/", include("residents.portal.urls")),
    path("", include("complaints.urls")),
]
