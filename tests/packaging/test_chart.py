"""The chart's plain YAML parses and says what the code expects; every setting is wired.

No Helm binary runs here: templates are checked as text, never rendered by a home-made renderer.
"""

from __future__ import annotations

import re

import pytest

from ambient import contract
from tests.packaging.support import (
    CHART,
    CONTROL_PLANE_SETTINGS,
    env_example_names,
    load_yaml,
    load_yaml_documents,
    settings_environment_names,
    template_texts,
    values,
)

# Read by the settings but meaningless in a cluster, or set per Job pod by the reconciler.
NOT_FOR_THE_CHART = {
    "AMBIENT_STATE_DIR": "embedded state directory (make run)",
    "EMBEDDED_IMAGE_MAP": "localkube's image map (make run)",
    "EMBEDDED_START_SECONDS": "supervisord's startsecs (make run)",
    "RECONCILE_QUEUE_SQLITE_PATH": "queue store used only without Redis",
    "KUBECONFIG": "out-of-cluster credentials; the chart runs in-cluster",
    "KUBE_CONTEXT": "out-of-cluster credentials; the chart runs in-cluster",
    "DJANGO_DEBUG": "production settings force DEBUG off",
    "DJANGO_STATIC_ROOT": "fixed in the image, where collectstatic wrote the files",
    "AMBIENT_ALLOW_FILE_GIT_URLS": "local/embedded only; production settings refuse file:// URLs",
}
# Set by the chart for something other than our settings modules.
READ_ELSEWHERE = {
    "DJANGO_SETTINGS_MODULE",  # Django itself
    "POSTGRES_DB",  # the quick-start postgres image
    "POSTGRES_USER",
    "POSTGRES_PASSWORD",
    "PGDATA",
}


def chart_environment_names() -> set[str]:
    """Names the chart sets: values' config and secrets, ConfigMap keys and container env entries."""
    chart_values = values()
    names = set(chart_values["config"]) | {key for key in chart_values["secrets"] if key.isupper()}
    for text in template_texts().values():
        names.update(re.findall(r"- name: ([A-Z][A-Z0-9_]+)\b", text))
        names.update(re.findall(r"- \{name: ([A-Z][A-Z0-9_]+),", text))
        names.update(re.findall(r"^  ([A-Z][A-Z0-9_]+): ", text, re.MULTILINE))
    return names


def test_chart_metadata_parses_and_names_the_app():
    chart = load_yaml(CHART / "Chart.yaml")
    assert chart["apiVersion"] == "v2" and chart["name"] == "ambient" and chart["type"] == "application"
    assert re.fullmatch(r"\d+\.\d+\.\d+", chart["version"])
    assert re.fullmatch(r"\d+\.\d+\.\d+", chart["appVersion"])


def test_values_parse_and_name_the_images_the_platform_defaults_to():
    chart_values = values()
    assert contract.DEFAULT_CONTENT_IMAGE.split(":")[0] == chart_values["image"]["repository"]
    assert contract.DEFAULT_RUNNER_IMAGE.split(":")[0] == chart_values["runnerImage"]["repository"]
    assert chart_values["redis"]["deploy"] is False and chart_values["postgresql"]["deploy"] is False


def test_the_crd_is_structural_and_matches_the_contract():
    (crd,) = load_yaml_documents(CHART / "crds" / "agenticsessions.yaml")
    assert crd["apiVersion"] == "apiextensions.k8s.io/v1" and crd["kind"] == "CustomResourceDefinition"
    spec = crd["spec"]
    assert crd["metadata"]["name"] == contract.CRD_NAME
    assert (spec["group"], spec["names"]["kind"], spec["names"]["plural"]) == (
        contract.GROUP,
        contract.KIND,
        contract.PLURAL,
    )
    assert spec["scope"] == "Namespaced"
    versions = spec["versions"]
    assert [version["name"] for version in versions if version["storage"]] == [contract.VERSION]
    for version in versions:
        schema = version["schema"]["openAPIV3Schema"]
        assert schema["type"] == "object"
        assert {"spec", "status"} <= set(schema["properties"])
        assert version["subresources"]["status"] == {}
        for column in version.get("additionalPrinterColumns", []):
            assert column["jsonPath"].startswith(".")


@pytest.mark.parametrize("name", ["project-roles.yaml", "control-plane-role.yaml"])
def test_plain_rbac_manifests_parse(name):
    documents = load_yaml_documents(CHART / "templates" / name)
    assert documents and all(document["kind"] == "ClusterRole" for document in documents)


def test_every_setting_the_code_reads_is_wired_by_the_chart():
    control_plane = settings_environment_names(CONTROL_PLANE_SETTINGS)
    missing = control_plane - chart_environment_names() - set(NOT_FOR_THE_CHART)
    assert not missing, f"settings read but not wired in helm/ambient (values.config or a template): {sorted(missing)}"


def test_every_variable_the_chart_sets_is_read_by_the_code():
    unread = chart_environment_names() - settings_environment_names(CONTROL_PLANE_SETTINGS) - READ_ELSEWHERE
    assert not unread, f"the chart sets variables no settings module reads: {sorted(unread)}"


def test_env_example_documents_every_setting_and_no_other():
    documented, read = env_example_names(), settings_environment_names()
    assert read - documented == set(), "settings missing from .env.example"
    assert documented - read - READ_ELSEWHERE == set(), ".env.example names variables nothing reads"
