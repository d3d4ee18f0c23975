from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from core.problems import PROBLEM_TYPES, problem_json_response


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


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers: 200 when the database answers, 503 when it does not. No auth."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return problem_json_response(request, 503, "The database is not answering.")
    return JsonResponse({"status": "ok", "database": "ok"})
