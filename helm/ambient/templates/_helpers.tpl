{{/* Names and labels shared by every template. */}}
{{- define "ambient.fullname" -}}
{{- if contains "ambient" .Release.Name -}}{{ .Release.Name | trunc 50 | trimSuffix "-" }}{{- else -}}{{ printf "%s-ambient" .Release.Name | trunc 50 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "ambient.labels" -}}
app.kubernetes.io/name: ambient
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: ambient
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one process; call with (dict "root" $ "component" "api"). */}}
{{- define "ambient.selector" -}}
app.kubernetes.io/name: ambient
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "ambient.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "ambient.runnerImage" -}}
{{ .Values.runnerImage.repository }}:{{ .Values.runnerImage.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "ambient.secretName" -}}
{{ .Values.secrets.existingSecret | default (printf "%s-secrets" (include "ambient.fullname" .)) }}
{{- end -}}

{{/* The environment every control-plane container shares: the ConfigMap, the Secret, and the
values the chart itself knows (namespace, images, in-cluster identity). */}}
{{- define "ambient.environment" -}}
envFrom:
  - configMapRef:
      name: {{ include "ambient.fullname" . }}-config
  - secretRef:
      name: {{ include "ambient.secretName" . }}
env:
  - name: CONTROL_PLANE_NAMESPACE
    valueFrom:
      fieldRef: {fieldPath: metadata.namespace}
  - name: KUBE_IN_CLUSTER
    value: "true"
  - name: RECONCILER_RUNNER_IMAGE
    value: {{ include "ambient.runnerImage" . | quote }}
  - name: RECONCILER_CONTENT_IMAGE
    value: {{ include "ambient.image" . | quote }}
{{- end -}}

{{/* Pod-level hardening shared by every control-plane pod. */}}
{{- define "ambient.podSecurity" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: 1001
  runAsGroup: 1001
  fsGroup: 1001
  seccompProfile: {type: RuntimeDefault}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "ambient.containerSecurity" -}}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities: {drop: ["ALL"]}
{{- end -}}
