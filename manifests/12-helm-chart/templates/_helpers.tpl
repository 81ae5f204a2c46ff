{{/*
Named templates shared by every file in templates/. Files whose name starts
with "_" render nothing themselves: they only define snippets that other
templates pull in with `include`.
*/}}

{{/*
The base name of every object: the release name, unless fullnameOverride is
set. Kubernetes names are limited to 63 characters.
*/}}
{{- define "hello-web.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Chart name and version, e.g. "hello-web-0.1.0", for the helm.sh/chart label.
*/}}
{{- define "hello-web.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Selector labels: the few labels that tie a Service and a Deployment to their
pods. They must never change between upgrades (a Deployment's selector is
immutable), so no version goes in here.
*/}}
{{- define "hello-web.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Common labels for every object: the selector labels plus who manages the
object and which chart version made it.
*/}}
{{- define "hello-web.labels" -}}
{{ include "hello-web.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ include "hello-web.chart" . }}
{{- end }}
