from django.urls import path

from . import views

app_name = "residents"
urlpatterns = [
    path("search/", views.resident_search, name="search"),
]
