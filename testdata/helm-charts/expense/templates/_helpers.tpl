{{/* Helm's common labels, then global.labels. Selectors keep compose2k8s's labels only. */}}
{{- define "expense.labels" -}}
app.kubernetes.io/instance: {{ $.Release.Name | toJson }}
app.kubernetes.io/managed-by: {{ $.Release.Service | toJson }}
helm.sh/chart: {{ printf "%s-%s" $.Chart.Name $.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" | toJson }}
{{- with $.Values.global.labels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* An image reference: (list IMAGE GLOBAL). */}}
{{- define "expense.image" -}}
{{- $image := index . 0 -}}
{{- $registry := $image.registry | default (index . 1).imageRegistry -}}
{{- if $registry }}{{ $registry }}/{{ end }}{{ $image.repository }}
{{- if $image.tag }}:{{ $image.tag }}{{ end }}
{{- if $image.digest }}@{{ $image.digest }}{{ end }}
{{- end -}}

{{/* A container's env entries: (list VALUES FIXED); VALUES maps names to values, FIXED
     holds the entries read from elsewhere (valueFrom). Sorted by name. */}}
{{- define "expense.env" -}}
{{- $entries := dict -}}
{{- range $name, $value := index . 0 -}}
{{- if not (kindIs "invalid" $value) -}}
{{- $_ := set $entries $name (dict "name" $name "value" (toString $value)) -}}
{{- end -}}
{{- end -}}
{{- range index . 1 -}}
{{- $_ := set $entries .name . -}}
{{- end -}}
{{- range $name := keys $entries | sortAlpha }}
- {{ toJson (index $entries $name) }}
{{- end -}}
{{- end -}}

{{/* A pod's imagePullSecrets: (list SERVICE GLOBAL), each a list of names. */}}
{{- define "expense.pullSecrets" -}}
{{- range $name := concat (index . 0 | default list) (index . 1 | default list) | uniq }}
- name: {{ toJson $name }}
{{- end -}}
{{- end -}}
