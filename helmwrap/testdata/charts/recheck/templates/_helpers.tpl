{{- define "recheck.password" -}}{{ randAlphaNum 16 }}{{- end -}}
{{- define "recheck.name" -}}{{ .Release.Name }}-app{{- end -}}
