"""Chinese first: the UI opens in Simplified Chinese whatever the browser asks for.

Front-desk PCs are often set up with English browsers; staff pick English explicitly with the
language switch (a cookie), which Django's LocaleMiddleware honours after this runs.
"""


class ChineseFirstMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
