"""/ops/reconciliation/: each provider account's latest comparison with the inventory,
its findings by kind with what an operator can do about each (a confirmation page, then
a POST to providers/findings.py), "Run now", and the reports before.

Staff only; acting on a finding needs the permission its action names on phone numbers
(adopting: add; the others: change), as every other door."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from core.errors import DomainError
from providers import accounts, findings
from providers.base import ProviderError, ProviderNotConfigured
from providers.models import ReconciliationFinding, ReconciliationReport
from providers.reconcile_tasks import reconcile_provider, running
from providers.reconciliation import counts_by_kind

Kind = ReconciliationFinding.Kind
FINDINGS_PER_PAGE = 50
PAST_REPORTS = 25
# What each kind is called on the page, in the order of the tabs.
KIND_TITLES = {
    Kind.UNKNOWN: "At the provider, not in the inventory",
    Kind.GONE: "In the inventory, gone at the provider",
    Kind.MISMATCH: "Set up differently",
}
FIELD_LABELS = {
    "provider": "Provider",
    "provider_phone_number_id": "Provider's number id",
    "messaging_profile_id": "Messaging profile",
    "campaign_id": "10DLC campaign",
}


@dataclass(frozen=True)
class ProviderSummary:
    name: str
    label: str
    latest: ReconciliationReport | None
    kinds: list[tuple[str, str, int]]  # (kind, title, findings of the latest report)
    running: bool


@staff_member_required
def overview(request: HttpRequest) -> HttpResponse:
    summaries = []
    for name in accounts.configured():
        latest = ReconciliationReport.objects.filter(provider=name).order_by("-started_at").first()
        counts = counts_by_kind(latest) if latest else {}
        summaries.append(
            ProviderSummary(
                name=name,
                label=accounts.LABELS.get(name, name),
                latest=latest,
                kinds=[(k, title, counts.get(k, 0)) for k, title in KIND_TITLES.items()],
                running=running(name),
            )
        )
    return render(
        request,
        "providers/reconciliation.html",
        {
            "summaries": summaries,
            "reports": ReconciliationReport.objects.order_by("-started_at")[:PAST_REPORTS],
            "can_run": request.user.has_perm("phonenumbers_app.change_phonenumber"),
        },
    )


@staff_member_required
@require_POST
def run_now(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("phonenumbers_app.change_phonenumber"):
        raise PermissionDenied
    name = request.POST.get("provider", "")
    if name not in accounts.configured():
        messages.error(request, "No such provider account is configured here.")
        return redirect("providers:reconciliation")
    dry_run = request.POST.get("dry_run") == "on"
    if running(name):
        messages.info(request, f"A reconciliation of {accounts.LABELS[name]} is already running.")
        return redirect("providers:reconciliation")
    try:
        reconcile_provider.delay(name, dry_run)
    except Exception:
        messages.error(request, "The task queue cannot be reached: try again shortly.")
    else:
        what = "A dry run" if dry_run else "A reconciliation"
        messages.success(
            request, f"{what} of {accounts.LABELS[name]} was queued; reload to see its report."
        )
    return redirect("providers:reconciliation")


@dataclass(frozen=True)
class FindingRow:
    finding: ReconciliationFinding
    differences: list[tuple[str, object, object]]
    actions: list[findings.Action]


@staff_member_required
def report(request: HttpRequest, id: uuid.UUID) -> HttpResponse:
    shown = get_object_or_404(ReconciliationReport, pk=id)
    counts = counts_by_kind(shown)
    kind = request.GET.get("kind") or next((k for k in KIND_TITLES if counts[k]), Kind.UNKNOWN)
    if kind not in KIND_TITLES:
        raise Http404
    latest = findings.latest_report(shown.provider)
    actionable = latest is not None and latest.pk == shown.pk
    page = Paginator(
        shown.findings.filter(kind=kind)
        .select_related("resolved_by", "phone_number")
        .order_by("number", "pk"),
        FINDINGS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    rows = [
        FindingRow(
            finding=finding,
            differences=[
                (FIELD_LABELS.get(name, name), value.get("inventory"), value.get("provider"))
                for name, value in finding.details.get("differences", {}).items()
            ],
            actions=[
                a
                for a in findings.actions_for(finding)
                if actionable and finding.resolution == "open" and a.allowed(request.user)
            ],
        )
        for finding in page
    ]
    return render(
        request,
        "providers/reconciliation_report.html",
        {
            "report": shown,
            "label": accounts.LABELS.get(shown.provider, shown.provider),
            "counts": counts,
            "tabs": [(k, title, counts[k], k == kind) for k, title in KIND_TITLES.items()],
            "kind": kind,
            "page": page,
            "rows": rows,
            "actionable": actionable,
            "latest": latest,
            "open_unknown": shown.findings.filter(kind=Kind.UNKNOWN, resolution="open").exists()
            if actionable and kind == Kind.UNKNOWN
            else False,
            "can_adopt": findings.ADOPT.allowed(request.user),
        },
    )


@staff_member_required
def finding_action(request: HttpRequest, id: uuid.UUID, action: str) -> HttpResponse:
    chosen = findings.BY_SLUG.get(action)
    if chosen is None:
        raise Http404
    finding = get_object_or_404(
        ReconciliationFinding.objects.select_related("report", "resolved_by", "phone_number"),
        pk=id,
    )
    if not chosen.allowed(request.user):
        raise PermissionDenied
    back = _report_url(finding.report, finding.kind)
    error = None
    if request.method == "POST":
        try:
            findings.take(finding_id=finding.pk, action=chosen, acting_user=request.user)
        except (
            DomainError,
            findings.FindingNotActionable,
            ProviderError,
            ProviderNotConfigured,
        ) as refused:
            error = getattr(refused, "detail", None) or getattr(refused, "message", str(refused))
        else:
            messages.success(request, f"{finding.number}: {chosen.done}")
            return redirect(back)
    else:
        error = findings.why_not(finding, chosen)
    return render(
        request,
        "providers/reconciliation_confirm.html",
        {
            "finding": finding,
            "action": chosen,
            "error": error,
            "back": back,
            "irreversible": chosen is findings.RELEASE_HERE,
        },
    )


@staff_member_required
def adopt_all(request: HttpRequest, id: uuid.UUID) -> HttpResponse:
    shown = get_object_or_404(ReconciliationReport, pk=id)
    if not findings.ADOPT.allowed(request.user):
        raise PermissionDenied
    back = _report_url(shown, Kind.UNKNOWN)
    latest = findings.latest_report(shown.provider)
    error = None if latest and latest.pk == shown.pk else "only the latest real report is acted on"
    open_unknown = shown.findings.filter(kind=Kind.UNKNOWN, resolution="open").count()
    if request.method == "POST" and not error:
        result = findings.adopt_all(report=shown, acting_user=request.user)
        plural = "s" if result.adopted != 1 else ""
        text = f"Adopted {result.adopted:,} number{plural} as pool inventory."
        skipped = "; ".join(f"{n} skipped: {why}" for why, n in result.skipped.items())
        if skipped:
            text += f" {skipped}."
        if result.more:
            text += (
                f" More remain: adopt all again (at most {findings.ADOPT_ALL_LIMIT:,} at a time)."
            )
        messages.success(request, text)
        return redirect(back)
    return render(
        request,
        "providers/reconciliation_adopt_all.html",
        {
            "report": shown,
            "open_unknown": open_unknown,
            "limit": findings.ADOPT_ALL_LIMIT,
            "error": error,
            "back": back,
        },
    )


def _report_url(shown: ReconciliationReport, kind: str) -> str:
    return f"{reverse('providers:reconciliation-report', args=[shown.pk])}?kind={kind}"


urlpatterns = [
    path("reconciliation/", overview, name="reconciliation"),
    path("reconciliation/run/", run_now, name="reconciliation-run"),
    path("reconciliation/reports/<uuid:id>/", report, name="reconciliation-report"),
    path("reconciliation/reports/<uuid:id>/adopt-all/", adopt_all, name="reconciliation-adopt-all"),
    path(
        "reconciliation/findings/<uuid:id>/<slug:action>/",
        finding_action,
        name="reconciliation-finding-action",
    ),
]
