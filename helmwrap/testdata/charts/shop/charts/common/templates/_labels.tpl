{{- define "common.managedBy" -}}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}
