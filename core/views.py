from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from core.problems import PROBLEM_TYPES


def problem_type_page(request: HttpRequest, slug: str) -> HttpResponse:
    """Documentation for a problem `type` URI, so the URIs in error bodies resolve."""
    if slug not in PROBLEM_TYPES:
        raise Http404
    title, description = PROBLEM_TYPES[slug]
    return render(
        request,
        "problem_type.html",
        {"slug": slug, "title": title, "description": description, "types": PROBLEM_TYPES},
    )
