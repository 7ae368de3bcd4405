from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.sign_in, name="sign-in"),
    path("sign-in/code/", views.sign_in_code, name="sign-in-code"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("new/", views.submit, name="submit"),
    path("c/<str:number>/", views.complaint, name="complaint"),
    path("c/<str:number>/add/", views.complaint_add, name="complaint-add"),
    path("c/<str:number>/withdraw/", views.complaint_withdraw, name="complaint-withdraw"),
]
