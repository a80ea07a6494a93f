"""Field tables for the Kubernetes protobuf messages localkube reads: field number → JSON name, type.

Numbers come from the generated.proto files of k8s.io/api and k8s.io/apimachinery. The set covers
what kubectl's typed clients POST as protobuf: every ``kubectl create`` generator for a kind
localkube serves (job, role, rolebinding, clusterrole, clusterrolebinding, service *, secret *,
configmap, namespace, serviceaccount, token) and the review kinds of ``kubectl auth``. A field not
listed here is refused with a 415 that names it, rather than silently dropped.

``POINTER`` marks fields that are pointers in the Go types: their zero values are meaningful and
kept, where a zero in a plain field means "unset" and is omitted, as ``omitempty`` does in JSON.
"""

from __future__ import annotations

# Scalar and well-known types; any other type name is a message in MESSAGES.
STRING, BYTES, INT, BOOL = "string", "bytes", "int", "bool"
TIME, QUANTITY, INT_OR_STRING = "Time", "Quantity", "IntOrString"
SKIP = "skip"  # read-only or server-owned (status, managedFields): accepted and not decoded

REPEATED, MAP, POINTER = 1, 2, 4

FieldSpec = tuple[str, str, int]  # JSON name, type, flags; a MAP's type is its value type

_OBJECT = {1: ("metadata", "ObjectMeta", 0)}

MESSAGES: dict[str, dict[int, FieldSpec]] = {
    # k8s.io/apimachinery/pkg/apis/meta/v1
    "ObjectMeta": {
        1: ("name", STRING, 0),
        2: ("generateName", STRING, 0),
        3: ("namespace", STRING, 0),
        4: ("selfLink", STRING, 0),
        5: ("uid", STRING, 0),
        6: ("resourceVersion", STRING, 0),
        7: ("generation", INT, 0),
        8: ("creationTimestamp", TIME, 0),
        9: ("deletionTimestamp", TIME, POINTER),
        10: ("deletionGracePeriodSeconds", INT, POINTER),
        11: ("labels", STRING, MAP),
        12: ("annotations", STRING, MAP),
        13: ("ownerReferences", "OwnerReference", REPEATED),
        14: ("finalizers", STRING, REPEATED),
        17: ("managedFields", SKIP, REPEATED),
    },
    "OwnerReference": {
        5: ("apiVersion", STRING, 0),
        1: ("kind", STRING, 0),
        3: ("name", STRING, 0),
        4: ("uid", STRING, 0),
        6: ("controller", BOOL, POINTER),
        7: ("blockOwnerDeletion", BOOL, POINTER),
    },
    "LabelSelector": {
        1: ("matchLabels", STRING, MAP),
        2: ("matchExpressions", "LabelSelectorRequirement", REPEATED),
    },
    "LabelSelectorRequirement": {
        1: ("key", STRING, 0),
        2: ("operator", STRING, 0),
        3: ("values", STRING, REPEATED),
    },
    # core/v1
    "Namespace": {**_OBJECT, 2: ("spec", "NamespaceSpec", 0), 3: ("status", SKIP, 0)},
    "NamespaceSpec": {1: ("finalizers", STRING, REPEATED)},
    "ConfigMap": {
        **_OBJECT,
        4: ("immutable", BOOL, POINTER),
        2: ("data", STRING, MAP),
        3: ("binaryData", BYTES, MAP),
    },
    "Secret": {
        **_OBJECT,
        5: ("immutable", BOOL, POINTER),
        2: ("data", BYTES, MAP),
        4: ("stringData", STRING, MAP),
        3: ("type", STRING, 0),
    },
    "ServiceAccount": {
        **_OBJECT,
        2: ("secrets", "ObjectReference", REPEATED),
        3: ("imagePullSecrets", "LocalObjectReference", REPEATED),
        4: ("automountServiceAccountToken", BOOL, POINTER),
    },
    "ObjectReference": {
        1: ("kind", STRING, 0),
        2: ("namespace", STRING, 0),
        3: ("name", STRING, 0),
        4: ("uid", STRING, 0),
        5: ("apiVersion", STRING, 0),
        6: ("resourceVersion", STRING, 0),
        7: ("fieldPath", STRING, 0),
    },
    "LocalObjectReference": {1: ("name", STRING, 0)},
    "Service": {**_OBJECT, 2: ("spec", "ServiceSpec", 0), 3: ("status", SKIP, 0)},
    "ServiceSpec": {
        1: ("ports", "ServicePort", REPEATED),
        2: ("selector", STRING, MAP),
        3: ("clusterIP", STRING, 0),
        18: ("clusterIPs", STRING, REPEATED),
        4: ("type", STRING, 0),
        5: ("externalIPs", STRING, REPEATED),
        7: ("sessionAffinity", STRING, 0),
        8: ("loadBalancerIP", STRING, 0),
        9: ("loadBalancerSourceRanges", STRING, REPEATED),
        10: ("externalName", STRING, 0),
        11: ("externalTrafficPolicy", STRING, 0),
        12: ("healthCheckNodePort", INT, 0),
        13: ("publishNotReadyAddresses", BOOL, 0),
        19: ("ipFamilies", STRING, REPEATED),
        17: ("ipFamilyPolicy", STRING, POINTER),
        20: ("allocateLoadBalancerNodePorts", BOOL, POINTER),
        21: ("loadBalancerClass", STRING, POINTER),
        22: ("internalTrafficPolicy", STRING, POINTER),
        23: ("trafficDistribution", STRING, POINTER),
    },
    "ServicePort": {
        1: ("name", STRING, 0),
        2: ("protocol", STRING, 0),
        6: ("appProtocol", STRING, POINTER),
        3: ("port", INT, 0),
        4: ("targetPort", INT_OR_STRING, 0),
        5: ("nodePort", INT, 0),
    },
    "PodTemplateSpec": {**_OBJECT, 2: ("spec", "PodSpec", 0)},
    "PodSpec": {
        1: ("volumes", "Volume", REPEATED),
        20: ("initContainers", "Container", REPEATED),
        2: ("containers", "Container", REPEATED),
        3: ("restartPolicy", STRING, 0),
        4: ("terminationGracePeriodSeconds", INT, POINTER),
        5: ("activeDeadlineSeconds", INT, POINTER),
        6: ("dnsPolicy", STRING, 0),
        7: ("nodeSelector", STRING, MAP),
        8: ("serviceAccountName", STRING, 0),
        9: ("serviceAccount", STRING, 0),
        21: ("automountServiceAccountToken", BOOL, POINTER),
        10: ("nodeName", STRING, 0),
        11: ("hostNetwork", BOOL, 0),
        12: ("hostPID", BOOL, 0),
        13: ("hostIPC", BOOL, 0),
        15: ("imagePullSecrets", "LocalObjectReference", REPEATED),
        16: ("hostname", STRING, 0),
        17: ("subdomain", STRING, 0),
        19: ("schedulerName", STRING, 0),
        24: ("priorityClassName", STRING, 0),
        29: ("runtimeClassName", STRING, POINTER),
        30: ("enableServiceLinks", BOOL, POINTER),
    },
    "Volume": {
        1: ("name", STRING, 0),
        # VolumeSource is inlined into Volume on the JSON side and is field 2 on the wire.
        2: ("", "VolumeSource", 0),
    },
    "VolumeSource": {
        1: ("hostPath", "HostPathVolumeSource", POINTER),
        2: ("emptyDir", "EmptyDirVolumeSource", POINTER),
        6: ("secret", "SecretVolumeSource", POINTER),
        10: ("persistentVolumeClaim", "PersistentVolumeClaimVolumeSource", POINTER),
        19: ("configMap", "ConfigMapVolumeSource", POINTER),
    },
    "HostPathVolumeSource": {1: ("path", STRING, 0), 2: ("type", STRING, POINTER)},
    "EmptyDirVolumeSource": {1: ("medium", STRING, 0), 2: ("sizeLimit", QUANTITY, POINTER)},
    "SecretVolumeSource": {
        1: ("secretName", STRING, 0),
        3: ("defaultMode", INT, POINTER),
        4: ("optional", BOOL, POINTER),
    },
    "ConfigMapVolumeSource": {
        1: ("", "LocalObjectReference", 0),
        3: ("defaultMode", INT, POINTER),
        4: ("optional", BOOL, POINTER),
    },
    "PersistentVolumeClaimVolumeSource": {1: ("claimName", STRING, 0), 2: ("readOnly", BOOL, 0)},
    "Container": {
        1: ("name", STRING, 0),
        2: ("image", STRING, 0),
        3: ("command", STRING, REPEATED),
        4: ("args", STRING, REPEATED),
        5: ("workingDir", STRING, 0),
        6: ("ports", "ContainerPort", REPEATED),
        7: ("env", "EnvVar", REPEATED),
        8: ("resources", "ResourceRequirements", 0),
        9: ("volumeMounts", "VolumeMount", REPEATED),
        13: ("terminationMessagePath", STRING, 0),
        20: ("terminationMessagePolicy", STRING, 0),
        14: ("imagePullPolicy", STRING, 0),
        16: ("stdin", BOOL, 0),
        17: ("stdinOnce", BOOL, 0),
        18: ("tty", BOOL, 0),
    },
    "ContainerPort": {
        1: ("name", STRING, 0),
        2: ("hostPort", INT, 0),
        3: ("containerPort", INT, 0),
        4: ("protocol", STRING, 0),
        5: ("hostIP", STRING, 0),
    },
    "EnvVar": {1: ("name", STRING, 0), 2: ("value", STRING, 0)},
    "ResourceRequirements": {1: ("limits", QUANTITY, MAP), 2: ("requests", QUANTITY, MAP)},
    "VolumeMount": {
        1: ("name", STRING, 0),
        2: ("readOnly", BOOL, 0),
        3: ("mountPath", STRING, 0),
        4: ("subPath", STRING, 0),
        6: ("subPathExpr", STRING, 0),
    },
    # batch/v1
    "Job": {**_OBJECT, 2: ("spec", "JobSpec", 0), 3: ("status", SKIP, 0)},
    "JobSpec": {
        1: ("parallelism", INT, POINTER),
        2: ("completions", INT, POINTER),
        3: ("activeDeadlineSeconds", INT, POINTER),
        7: ("backoffLimit", INT, POINTER),
        12: ("backoffLimitPerIndex", INT, POINTER),
        13: ("maxFailedIndexes", INT, POINTER),
        4: ("selector", "LabelSelector", POINTER),
        5: ("manualSelector", BOOL, POINTER),
        6: ("template", "PodTemplateSpec", 0),
        8: ("ttlSecondsAfterFinished", INT, POINTER),
        9: ("completionMode", STRING, POINTER),
        10: ("suspend", BOOL, POINTER),
        14: ("podReplacementPolicy", STRING, POINTER),
        15: ("managedBy", STRING, POINTER),
    },
    # rbac.authorization.k8s.io/v1
    "Role": {**_OBJECT, 2: ("rules", "PolicyRule", REPEATED)},
    "ClusterRole": {
        **_OBJECT,
        2: ("rules", "PolicyRule", REPEATED),
        3: ("aggregationRule", "AggregationRule", POINTER),
    },
    "AggregationRule": {1: ("clusterRoleSelectors", "LabelSelector", REPEATED)},
    "PolicyRule": {
        1: ("verbs", STRING, REPEATED),
        2: ("apiGroups", STRING, REPEATED),
        3: ("resources", STRING, REPEATED),
        4: ("resourceNames", STRING, REPEATED),
        5: ("nonResourceURLs", STRING, REPEATED),
    },
    "RoleBinding": {**_OBJECT, 2: ("subjects", "Subject", REPEATED), 3: ("roleRef", "RoleRef", 0)},
    "ClusterRoleBinding": {**_OBJECT, 2: ("subjects", "Subject", REPEATED), 3: ("roleRef", "RoleRef", 0)},
    "Subject": {
        1: ("kind", STRING, 0),
        2: ("apiGroup", STRING, 0),
        3: ("name", STRING, 0),
        4: ("namespace", STRING, 0),
    },
    "RoleRef": {1: ("apiGroup", STRING, 0), 2: ("kind", STRING, 0), 3: ("name", STRING, 0)},
    # authentication.k8s.io/v1
    "TokenRequest": {**_OBJECT, 2: ("spec", "TokenRequestSpec", 0), 3: ("status", SKIP, 0)},
    "TokenRequestSpec": {
        1: ("audiences", STRING, REPEATED),
        4: ("expirationSeconds", INT, POINTER),
        3: ("boundObjectRef", "BoundObjectReference", POINTER),
    },
    "BoundObjectReference": {
        1: ("kind", STRING, 0),
        2: ("apiVersion", STRING, 0),
        3: ("name", STRING, 0),
        4: ("uid", STRING, 0),
    },
    "SelfSubjectReview": {**_OBJECT, 2: ("status", SKIP, 0)},
    # authorization.k8s.io/v1
    "SelfSubjectAccessReview": {**_OBJECT, 2: ("spec", "SelfSubjectAccessReviewSpec", 0), 3: ("status", SKIP, 0)},
    "SelfSubjectAccessReviewSpec": {
        1: ("resourceAttributes", "ResourceAttributes", POINTER),
        2: ("nonResourceAttributes", "NonResourceAttributes", POINTER),
    },
    "ResourceAttributes": {
        1: ("namespace", STRING, 0),
        2: ("verb", STRING, 0),
        3: ("group", STRING, 0),
        4: ("version", STRING, 0),
        5: ("resource", STRING, 0),
        6: ("subresource", STRING, 0),
        7: ("name", STRING, 0),
    },
    "NonResourceAttributes": {1: ("path", STRING, 0), 2: ("verb", STRING, 0)},
    "SelfSubjectRulesReview": {**_OBJECT, 2: ("spec", "SelfSubjectRulesReviewSpec", 0), 3: ("status", SKIP, 0)},
    "SelfSubjectRulesReviewSpec": {1: ("namespace", STRING, 0)},
}

# The top-level kinds a protobuf body may carry (the envelope names the kind).
TOP_LEVEL = (
    "Namespace",
    "ConfigMap",
    "Secret",
    "ServiceAccount",
    "Service",
    "Job",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "TokenRequest",
    "SelfSubjectReview",
    "SelfSubjectAccessReview",
    "SelfSubjectRulesReview",
)
