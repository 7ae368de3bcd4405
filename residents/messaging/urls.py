from django.urls import path

from . import views

app_name = "rating"

urlpatterns = [
    path("<str:token>/", views.rate, name="rate"),
]
