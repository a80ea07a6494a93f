from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

import sessions.schema  # noqa: F401 - registers our authentication classes' OpenAPI descriptions
from ambient import health

urlpatterns = [
    # The site has no home page of its own: send a browser (and the admin's "View site" link) to the API root.
    path("", RedirectView.as_view(url="/api/", permanent=False), name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics, name="metrics"),
    path("api/", include("sessions.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path(
        "api/redoc/", SpectacularRedocView.as_view(url_name="schema", template_name="api_docs/redoc.html"), name="redoc"
    ),
    path("api-auth/", include("rest_framework.urls")),
    path("admin/", admin.site.urls),
]

handler404 = "ambient.error_pages.not_found"
handler500 = "ambient.error_pages.server_error"
