from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Readiness of the sidecar (no auth: the kubelet probes it)."""
    return JsonResponse({"status": "ok"})
