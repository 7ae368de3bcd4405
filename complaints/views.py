"""Pages of the complaint desk. Views stay thin: parse, call a service or selector, render."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def home(request):
    return render(request, "complaints/home.html")
