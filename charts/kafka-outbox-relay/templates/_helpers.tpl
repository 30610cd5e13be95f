{{/* The release's full name, at most 63 characters (leaves room for nothing: names of children come from
the OutboxRelays, not from here). */}}
{{- define "kafka-outbox-relay.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "kafka-outbox-relay.serviceAccountName" -}}
{{- default (include "kafka-outbox-relay.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- define "kafka-outbox-relay.selectorLabels" -}}
app.kubernetes.io/name: outbox-relay-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "kafka-outbox-relay.labels" -}}
{{ include "kafka-outbox-relay.selectorLabels" . }}
app.kubernetes.io/part-of: kafka-outbox-relay
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "kafka-outbox-relay.image" -}}
{{- printf "%s:%s" .repository (default .appVersion .tag) -}}
{{- end -}}

{{/* The watched namespaces, as JSON: watchNamespaces, and the older single watchNamespace; empty: all. */}}
{{- define "kafka-outbox-relay.watchNamespaces" -}}
{{- $list := .Values.watchNamespaces | default list -}}
{{- with .Values.watchNamespace }}{{ $list = append $list . }}{{ end -}}
{{- toJson (uniq $list) -}}
{{- end -}}
