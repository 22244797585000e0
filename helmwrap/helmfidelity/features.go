package helmfidelity

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
)

// Features are the patterns a generated chart combines. Each writes under
// its prefix (@F@: f1, f2, ...) so any of them can be combined.
var Features = []Feature{
	{"block-scalars", blockScalars},
	{"tpl", tplValues},
	{"toyaml-nindent", toYAMLNindent},
	{"lookup", lookup},
	{"required", required},
	{"fail", failFeature},
	{"subchart-condition", subchartCondition},
	{"subchart-tags", subchartTags},
	{"subchart-alias", subchartAlias},
	{"import-values", importValues},
	{"globals", globals},
	{"library-chart", libraryChart},
	{"files", files},
	{"capabilities", capabilities},
	{"hooks", hooks},
	{"crds", crds},
	{"schema-ref", schemaRef},
	{"notes", notes},
	{"empty-documents", emptyDocuments},
	{"separators-in-strings", separatorsInStrings},
	{"comments", comments},
	{"long-lines", longLines},
	{"unicode", unicode},
	{"number-like-strings", numberLikeStrings},
	{"numbers", numbers},
	{"range-documents", rangeDocuments},
	{"kube-version-constraint", kubeVersionConstraint},
	{"release-info", releaseInfo},
	{"crlf", crlf},
	{"null-deletes-default", nullDeletesDefault},
	{"functions", functions},
	{"subchart-crds-hooks", subchartCRDsHooks},
	{"trailing-spaces", trailingSpaces},
	{"yaml-forms", yamlForms},
	{"null-fields", nullFields},
	{"template-names", templateNames},
	{"helmignore", helmignore},
	{"chart-api-v1", chartAPIV1},
	{"chart-type", chartType},
	{"type-clash", typeClash},
	{"list-kind", listKind},
	{"tricky-strings", trickyStrings},
}

// configMap is the head of a ConfigMap named <release>-<prefix>-<name>.
func configMap(name string) string {
	return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-@F@-" + name + "\n"
}

// blockScalars: literal, stripped, kept and folded block scalars, from the
// template and from values, the last one ending the document (and the
// template ending with or without a newline, or with a separator).
func blockScalars(b *Builder, r *rand.Rand) {
	b.Values("@F@:\n  script: " + pick(r,
		"|\n    #!/bin/sh\n    echo \"hi\"\n",
		"|-\n    #!/bin/sh\n    exit 0\n",
		"|+\n    kept\n\n",
		">\n    folded\n    words\n\n    para\n",
		"\"quoted\\nwith newline\\n\"\n",
	))
	last := pick(r,
		"  last: |\n    tail line\n",
		"  last: |\n    tail line",
		"  last: |+\n    kept\n\n\n",
		"  last: >-\n    folded\n    end\n",
		"  last: |\n    {{- .Values.@F@.script | nindent 4 }}",
		"  last: |-\n    {{- .Values.@F@.script | nindent 4 }}\n",
		"  last: {{ .Values.@F@.script | quote }}\n",
		"  last: |\n{{ .Values.@F@.script | indent 4 }}\n",
		"  last: |\n    indented\n      more\n    back\n",
		"  last: |2\n      explicit indent\n",
	)
	trailer := pick(r, "", "\n", "\n\n", "---\n", "\n---\n", "\n--- \n\n", "   \n")
	b.Template("blocks", configMap("blocks")+`data:
  literal: |
    line one
    line two
  strip: |-
    no final newline
  folded: >
    folded
    text

  fromValues: |
    {{- .Values.@F@.script | nindent 4 }}
  quoted: {{ .Values.@F@.script | quote }}
`+last+trailer)
	if r.IntN(2) == 0 {
		b.Give(map[string]any{b.P: map[string]any{"script": pick(r, "given\n", "given", "a\n\nb\n\n", " leading space\n", "trailing space \n")}})
	}
}

// tplValues: values that are templates, rendered with tpl.
func tplValues(b *Builder, r *rand.Rand) {
	b.Values(`@F@:
  host: example.com
  url: "https://{{ .Values.@F@.host }}/{{ .Release.Name }}"
  block: |
    name: {{ .Chart.Name }}
    ns: {{ .Release.Namespace }}
    host: {{ .Values.@F@.host | upper }}
  labels:
    app: "{{ .Release.Name }}"
    tier: '{{ "backend" | trunc 4 }}'
`)
	b.Template("tpl", configMap("tpl")+`  labels:
    {{- tpl (toYaml .Values.@F@.labels) . | nindent 4 }}
data:
  url: {{ tpl .Values.@F@.url . | quote }}
  block: |
    {{- tpl .Values.@F@.block . | nindent 4 }}
  inline: {{ tpl "{{ .Release.Service }}-{{ .Release.Revision }}" $ }}
`)
	if r.IntN(2) == 0 {
		b.Give(map[string]any{b.P: map[string]any{"host": pick(r, "shop.example.org", "h", "{{ .Release.Namespace }}.svc")}})
	}
}

// toYAMLNindent: nested values written with toYaml | nindent / indent,
// and toJson.
func toYAMLNindent(b *Builder, r *rand.Rand) {
	b.Values(`@F@:
  annotations:
    example.com/a: "1"
    example.com/b: "true"
    example.com/empty: ""
  config:
    server:
      port: 8080
      ratio: 0.25
      enabled: true
      hosts: [a, b, "c d"]
      empty: {}
      none: []
      nil: null
    text: "multi\nline\n"
    quoted: "0755"
`)
	b.Template("toyaml", configMap("toyaml")+`  annotations:
    {{- toYaml .Values.@F@.annotations | nindent 4 }}
data:
  config.yaml: |
    {{- toYaml .Values.@F@.config | nindent 4 }}
  indented: |
{{ toYaml .Values.@F@.config | indent 4 }}
  json: {{ toJson .Values.@F@.config | quote }}
  pretty: |
{{ toPrettyJson .Values.@F@.config | indent 4 }}
  server: {{ toYaml .Values.@F@.config.server | quote }}
`)
	if r.IntN(2) == 0 {
		b.Give(map[string]any{b.P: map[string]any{"config": map[string]any{
			"server": map[string]any{"port": pick[any](r, 9090, 1000000, 8.5, "8080"), "hosts": []any{"x"}},
			"extra":  pick[any](r, "v", map[string]any{"deep": []any{1, "two", 3.5, true, nil}}, ""),
		}}})
	}
}

// lookup: finds nothing, as in helm template.
func lookup(b *Builder, r *rand.Rand) {
	b.Template("lookup", `{{- $s := lookup "v1" "Secret" .Release.Namespace "db" }}
{{- $all := lookup "v1" "ConfigMap" .Release.Namespace "" }}
{{- $data := (get $s "data") | default dict }}
`+configMap("lookup")+`data:
  found: {{ if $s }}"yes"{{ else }}"no"{{ end }}
  password: {{ get $data "password" | default ("generated" | b64enc) | quote }}
  count: {{ len (get $all "items" | default list) | quote }}
  empty: {{ empty $s | quote }}
`)
}

// required: a value the chart requires, given or not (both fail then).
func required(b *Builder, r *rand.Rand) {
	b.Values("@F@:\n  host: \"\"\n")
	b.Template("required", configMap("required")+`data:
  host: {{ required "@F@.host is required: set it in values" .Values.@F@.host | quote }}
`)
	if r.IntN(3) != 0 {
		b.Give(map[string]any{b.P: map[string]any{"host": "db.example.com"}})
	}
}

// failFeature: fail on a value the chart refuses.
func failFeature(b *Builder, r *rand.Rand) {
	b.Values("@F@:\n  mode: a\n")
	b.Template("fail", `{{- if not (has .Values.@F@.mode (list "a" "b")) }}
{{- fail (printf "@F@.mode must be a or b, not %q" .Values.@F@.mode) }}
{{- end }}
`+configMap("fail")+`data:
  mode: {{ .Values.@F@.mode }}
`)
	if r.IntN(3) == 0 {
		b.Give(map[string]any{b.P: map[string]any{"mode": "c"}})
	}
}

// subchart writes a subchart charts/<name> whose ConfigMap shows what it
// sees; extra is more of its values.yaml.
func subchart(b *Builder, name, extra string) {
	b.File("charts/"+name+"/Chart.yaml", "apiVersion: v2\nname: "+name+"\nversion: 0.1.0\n")
	b.File("charts/"+name+"/values.yaml", "msg: from the subchart\n"+extra)
	b.File("charts/"+name+"/templates/_helpers.tpl", `{{- define "`+name+`.fullname" -}}
{{ .Release.Name }}-{{ .Chart.Name }}
{{- end }}
`)
	b.File("charts/"+name+"/templates/cm.yaml", `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "`+name+`.fullname" . }}
data:
  msg: {{ .Values.msg | quote }}
  chart: {{ .Chart.Name }}
  values: |
    {{- toYaml .Values | nindent 4 }}
`)
}

func subchartCondition(b *Builder, r *rand.Rand) {
	subchart(b, "@F@sub", "")
	b.Dependency("  - name: @F@sub\n    version: 0.1.0\n    condition: @F@sub.enabled\n")
	b.Values("@F@sub:\n  enabled: " + pick(r, "true", "false") + "\n  msg: from the parent\n")
	if r.IntN(2) == 0 {
		b.Give(map[string]any{b.P + "sub": map[string]any{"enabled": r.IntN(2) == 0}})
	}
	if r.IntN(2) == 0 {
		b.Give(map[string]any{b.P + "sub": map[string]any{"msg": "given"}})
	}
}

func subchartTags(b *Builder, r *rand.Rand) {
	subchart(b, "@F@sub", "")
	cond := pick(r, "", "    condition: @F@sub.missing.enabled\n")
	b.Dependency("  - name: @F@sub\n    version: 0.1.0\n    tags:\n      - @F@tag\n" + cond)
	if r.IntN(3) != 0 {
		b.Give(map[string]any{"tags": map[string]any{b.P + "tag": r.IntN(2) == 0}})
	}
}

func subchartAlias(b *Builder, r *rand.Rand) {
	subchart(b, "@F@sub", "port: 80\n")
	if r.IntN(2) == 0 {
		b.File("charts/@F@sub/values.schema.json", `{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "properties": {"port": {"$ref": "#/definitions/port"}},
  "definitions": {"port": {"type": "integer", "minimum": 1, "maximum": 65535}}
}
`)
	}
	b.Dependency("  - name: @F@sub\n    version: 0.1.0\n    alias: @F@one\n  - name: @F@sub\n    version: 0.1.0\n    alias: @F@two\n    condition: @F@two.enabled\n")
	b.Values("@F@one:\n  msg: one\n@F@two:\n  enabled: true\n  msg: two\n")
	switch r.IntN(4) {
	case 0:
		b.Give(map[string]any{b.P + "two": map[string]any{"port": pick[any](r, 8080, 70000, "http")}})
	case 1:
		b.Give(map[string]any{b.P + "two": map[string]any{"enabled": false, "port": "disabled, not validated"}})
	}
}

func importValues(b *Builder, r *rand.Rand) {
	subchart(b, "@F@sub", "exports:\n  data:\n    @F@port: 8080\n    @F@name: exported\nexported:\n  level: info\n  list: [1, 2]\n")
	b.Dependency("  - name: @F@sub\n    version: 0.1.0\n    import-values:\n      - data\n      - child: exported\n        parent: @F@imported\n")
	if r.IntN(2) == 0 {
		b.Values("@F@imported:\n  level: debug\n")
	}
	b.Template("imported", configMap("imported")+`data:
  port: {{ .Values.@F@port | quote }}
  name: {{ .Values.@F@name | default "none" | quote }}
  level: {{ .Values.@F@imported.level | quote }}
  list: {{ toJson .Values.@F@imported.list | quote }}
`)
	if r.IntN(2) == 0 {
		b.Give(map[string]any{b.P + "sub": map[string]any{"exported": map[string]any{"level": "given"}}})
	}
}

func globals(b *Builder, r *rand.Rand) {
	subchart(b, "@F@sub", "global:\n  @F@:\n    tag: \"0.9\"\n    pullPolicy: IfNotPresent\n")
	b.Dependency("  - name: @F@sub\n    version: 0.1.0\n")
	b.Global("  @F@:\n    registry: docker.io\n    tag: \"1.0\"\n")
	b.Template("globals", configMap("globals")+`data:
  image: "{{ .Values.global.@F@.registry }}/app:{{ .Values.global.@F@.tag }}"
  policy: {{ .Values.global.@F@.pullPolicy | default "unset" | quote }}
`)
	if r.IntN(2) == 0 {
		b.Give(map[string]any{"global": map[string]any{b.P: map[string]any{"registry": "registry.example.com:5000"}}})
	}
}

func libraryChart(b *Builder, r *rand.Rand) {
	b.File("charts/@F@lib/Chart.yaml", "apiVersion: v2\nname: @F@lib\ntype: library\nversion: 0.1.0\n")
	b.File("charts/@F@lib/templates/_lib.tpl", `{{- define "@F@lib.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end }}
{{- define "@F@lib.configmap" -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .ctx.Release.Name }}-@F@-{{ .name }}
  labels:
    {{- include "@F@lib.labels" .ctx | nindent 4 }}
data:
  {{- range $k, $v := .data }}
  {{ $k }}: {{ $v | quote }}
  {{- end }}
{{- end }}
`)
	b.Dependency("  - name: @F@lib\n    version: 0.1.0\n")
	b.Template("library", `{{ include "@F@lib.configmap" (dict "name" "lib" "ctx" . "data" (dict "a" "1" "b" "two words")) }}
`)
}

func files(b *Builder, r *rand.Rand) {
	b.File("files/@F@/a.conf", "key = value\nother = 2\n")
	b.File("files/@F@/b.conf", pick(r, "no final newline", "two\nlines", "blank at end\n\n", ""))
	b.File("files/@F@/c.txt", "héllo wörld\n日本語 🚀\n\ttab\n")
	b.Template("files", configMap("files")+`data:
{{ (.Files.Glob "files/@F@/*.conf").AsConfig | indent 2 }}
  c.txt: {{ .Files.Get "files/@F@/c.txt" | quote }}
  lines: {{ len (.Files.Lines "files/@F@/c.txt") | quote }}
  {{- range $path, $_ := .Files.Glob "files/@F@/*" }}
  {{ base $path }}.b64: {{ $.Files.Get $path | b64enc }}
  {{- end }}
---
apiVersion: v1
kind: Secret
metadata:
  name: {{ .Release.Name }}-@F@-files
type: Opaque
data:
{{ (.Files.Glob "files/@F@/*").AsSecrets | indent 2 }}
`)
}

func capabilities(b *Builder, r *rand.Rand) {
	b.Template("capabilities", configMap("capabilities")+`data:
  pdb: {{ .Capabilities.APIVersions.Has "policy/v1/PodDisruptionBudget" | quote }}
  policyV1beta1: {{ .Capabilities.APIVersions.Has "policy/v1beta1" | quote }}
  flowcontrolV1: {{ .Capabilities.APIVersions.Has "flowcontrol.apiserver.k8s.io/v1" | quote }}
  resourceV1: {{ .Capabilities.APIVersions.Has "resource.k8s.io/v1" | quote }}
  kube: {{ .Capabilities.KubeVersion.Version | quote }}
  major: {{ .Capabilities.KubeVersion.Major | quote }}
  minor: {{ .Capabilities.KubeVersion.Minor | quote }}
  gte133: {{ semverCompare ">=1.33.0-0" .Capabilities.KubeVersion.GitVersion | quote }}
  helm: {{ .Capabilities.HelmVersion.Version | quote }}
{{- if .Capabilities.APIVersions.Has "policy/v1/PodDisruptionBudget" }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ .Release.Name }}-@F@
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      app: {{ .Release.Name }}
{{- end }}
`)
}

func hooks(b *Builder, r *rand.Rand) {
	b.Template("hooks", configMap("pre")+`  annotations:
    "helm.sh/hook": pre-install,pre-upgrade
    "helm.sh/hook-weight": "-5"
    "helm.sh/hook-delete-policy": before-hook-creation
data:
  when: before
---
`+configMap("post")+`  annotations:
    helm.sh/hook: post-install
data:
  when: |
    after
---
`+configMap("old")+`  annotations:
    helm.sh/hook: `+pick(r, "crd-install", "post-install, no-such-hook", "PRE-INSTALL")+`
data:
  when: a Helm 2 hook, or one Helm 3 does not know
`)
	b.Template("test", `apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-@F@-test
  annotations:
    "helm.sh/hook": test
spec:
  restartPolicy: Never
  containers:
    - name: test
      image: busybox:1.36
      command: ["sh", "-c", "echo ok"]
`)
}

// crdYAML is a CRD for widgets.<group>, its description block last.
func crdYAML(plural, kind, group, description string) string {
	return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ` + plural + `.` + group + `
spec:
  group: ` + group + `
  names:
    kind: ` + kind + `
    plural: ` + plural + `
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
          description: ` + description
}

func crds(b *Builder, r *rand.Rand) {
	group := b.P + "." + filepath.Base(b.chart.Dir) + ".example.com" // one per chart: charts share a build
	docs := []string{
		crdYAML("widgets", "Widget", group, pick(r, "|\n            A widget.\n", ">\n            A widget,\n            folded.\n", "plain\n")),
		"# a comment between documents\n",
		crdYAML("gadgets", "Gadget", group, pick(r, "|\n            A gadget.\n", "|-\n            A gadget.\n", "|+\n            A gadget.\n\n")),
	}
	text := pick(r, "", "---\n", "# crds of @F@\n---\n") + strings.Join(docs, "---\n")
	switch r.IntN(3) {
	case 0:
		text = strings.TrimSuffix(text, "\n") // a file without a final newline
	case 1:
		text += "---\n"
	}
	b.File("crds/@F@-crds.yaml", text)
	b.Template("widget", `{{- if .Capabilities.APIVersions.Has "`+group+`/v1/Widget" }}
apiVersion: `+group+`/v1
kind: Widget
metadata:
  name: {{ .Release.Name }}-@F@
spec:
  size: small
{{- end }}
`)
}

func schemaRef(b *Builder, r *rand.Rand) {
	b.Values("@F@:\n  port: 8080\n  name: web\n")
	b.Schema(b.P, map[string]any{"$ref": "#/definitions/" + b.P}, map[string]any{
		b.P: map[string]any{
			"type":     "object",
			"required": []any{"port"},
			"properties": map[string]any{
				"port": map[string]any{"$ref": "#/definitions/" + b.P + "port"},
				"name": map[string]any{"type": "string", "pattern": "^[a-z]+$"},
			},
		},
		b.P + "port": map[string]any{"type": "integer", "minimum": 1, "maximum": 65535},
	})
	b.Template("schema", configMap("schema")+`data:
  port: {{ .Values.@F@.port | quote }}
  name: {{ .Values.@F@.name }}
`)
	switch r.IntN(4) {
	case 0:
		b.Give(map[string]any{b.P: map[string]any{"port": pick[any](r, 0, 70000, "80")}})
	case 1:
		b.Give(map[string]any{b.P: map[string]any{"name": pick(r, "ok", "Not-OK")}})
	}
}

func notes(b *Builder, r *rand.Rand) {
	b.Values("@F@:\n  msg: thanks\n")
	b.File("templates/NOTES.txt", "{{ .Release.Name }} is installed: {{ .Values.@F@.msg }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: not-from-notes\n")
}

func emptyDocuments(b *Builder, r *rand.Rand) {
	b.Values("@F@:\n  never: false\n")
	b.Template("empty", `---
`+configMap("empty-a")+`data:
  k: v
---
---

---
{{- if .Values.@F@.never }}
apiVersion: v1
kind: ConfigMap
{{- end }}
---
`+configMap("empty-b")+`---
`+pick(r, "", "---\n", "--- \n", "\n\n"))
	b.Template("nothing", "{{- if .Values.@F@.never }}\nkind: Never\n{{- end }}\n"+pick(r, "", "\n  \n", "---\n"))
}

func separatorsInStrings(b *Builder, r *rand.Rand) {
	b.Values("@F@:\n  yamlish: \"a: 1\\n---\\nb: 2\\n\"\n  dashes: \"---\"\n")
	b.Template("separators", configMap("separators")+`data:
  dashes: "---"
  inline: "a --- b"
  block: |
    before
    ---
    after
  fromValues: {{ .Values.@F@.yamlish | quote }}
  toYaml: |
    {{- toYaml .Values.@F@ | nindent 4 }}
  dashesValue: {{ .Values.@F@.dashes | quote }}
  trailing: "---"
`)
}

func comments(b *Builder, r *rand.Rand) {
	b.Template("comments", `# A comment before the document
# ---
`+configMap("comments")+`# between keys
data:  # after a key
  a: "1" # after a value
  # indented comment
  b: "# not a comment"
  c: |
    # inside a block: kept
    text
---
# a document with only comments
# kind: ConfigMap
---
{{- /* a template comment */}}
# trailing comment
`)
}

func longLines(b *Builder, r *rand.Rand) {
	long := strings.Repeat("word ", 200+r.IntN(400))
	b.Values(fmt.Sprintf("@F@:\n  long: %q\n  nospace: %q\n", long, strings.Repeat("x", 3000)))
	b.Template("long", configMap("long")+`data:
  quoted: {{ .Values.@F@.long | quote }}
  toYaml: |
    {{- toYaml .Values.@F@ | nindent 4 }}
  plain: {{ .Values.@F@.nospace }}
  `+strings.Repeat("k", 250)+`: long key
`)
}

func unicode(b *Builder, r *rand.Rand) {
	b.Values("@F@:\n  text: \"héllo wörld — 日本語 🚀 שלום e\\u0301 zero\\u200bwidth nbsp\\u00a0x\"\n  plain: \"plain é ü 日本 🚀\"\n  block: |\n    ümlaut\n    emoji 🎉\n")
	b.Template("unicode", configMap("unicode")+`  annotations:
    example.com/unicode: "ünïcode ✓"
data:
  quoted: {{ .Values.@F@.text | quote }}
  plain: {{ .Values.@F@.plain }}
  block: |
    {{- .Values.@F@.block | nindent 4 }}
  toYaml: {{ toYaml .Values.@F@ | quote }}
  b64: {{ .Values.@F@.text | b64enc }}
  literal: "tab\there \u00e9 \U0001F600"
  single: 'it''s'
`)
	if r.IntN(2) == 0 {
		b.Give(map[string]any{b.P: map[string]any{"text": "given ✓ \u2028 line separator"}})
	}
}

// numberLikeStrings: strings YAML would read as numbers, booleans, null
// or dates, written quoted, through toYaml, and bare.
func numberLikeStrings(b *Builder, r *rand.Rand) {
	strs := []string{"0755", "1e3", "0x1F", "1_000", "yes", "no", "on", "off", "null", "~", "true", "012", ".5", "+1", "1:20", "2001-12-14", "1.0", "-0", "08", "0o17", "y", "NO", "True"}
	var vals, tmpl strings.Builder
	vals.WriteString("@F@:\n")
	for i, s := range strs {
		fmt.Fprintf(&vals, "  s%d: %q\n", i, s)
		fmt.Fprintf(&tmpl, "  q%d: {{ .Values.@F@.s%d | quote }}\n  y%d: {{ toYaml .Values.@F@.s%d }}\n", i, i, i, i)
	}
	b.Values(vals.String())
	b.Template("numberlike", configMap("numberlike")+"data:\n"+tmpl.String())
	// Bare: the YAML reader decides what they are (not a ConfigMap's data).
	var bare strings.Builder
	for i := range strs {
		fmt.Fprintf(&bare, "  b%d: {{ .Values.@F@.s%d }}\n", i, i)
	}
	b.Template("numberlike-bare", "apiVersion: example.com/v1\nkind: Bare\nmetadata:\n  name: {{ .Release.Name }}-@F@-bare\nspec:\n"+bare.String())
}

// numbers: numbers in values (float64 in Helm, as from a values file)
// written bare, quoted, with printf and toYaml.
func numbers(b *Builder, r *rand.Rand) {
	b.Values("@F@:\n  int: 3\n  big: 1000000\n  float: 0.1\n  exp: 1e21\n  neg: -17\n")
	b.Template("numbers", `apiVersion: example.com/v1
kind: Numbers
metadata:
  name: {{ .Release.Name }}-@F@-numbers
spec:
  {{- range $k, $v := .Values.@F@ }}
  {{ $k }}: {{ $v }}
  {{ $k }}Quoted: {{ $v | quote }}
  {{ $k }}Int: {{ $v | int64 }}
  {{ $k }}Yaml: {{ toYaml $v }}
  {{- end }}
`)
	if r.IntN(2) == 0 {
		b.Give(map[string]any{b.P: map[string]any{
			"float": pick[any](r, 12.3456789, 1234567.5, 0.000001, 3.0),
			"big":   pick[any](r, 9007199254740993, 12345678901234567, 65536),
		}})
	}
}

// rangeDocuments: several documents from one template, by range.
func rangeDocuments(b *Builder, r *rand.Rand) {
	n := r.IntN(4)
	var items []string
	for i := range n {
		items = append(items, fmt.Sprintf("    - name: item%d\n      value: %q\n", i, strings.Repeat("v", i)))
	}
	list := " []\n"
	if n > 0 {
		list = "\n" + strings.Join(items, "")
	}
	b.Values("@F@:\n  items:" + list)
	b.Template("range", `{{- range .Values.@F@.items }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ $.Release.Name }}-@F@-{{ .name }}
data:
  value: {{ .value | quote }}
{{- end }}
`)
}

func kubeVersionConstraint(b *Builder, r *rand.Rand) {
	b.ChartYAML("kubeVersion: \"" + pick(r, ">=1.25.0-0", ">= 1.33.0-0", "<1.36.0", "~1.30.0") + "\"\n")
}

// releaseInfo: what charts print of the release, the chart and the
// template.
func releaseInfo(b *Builder, r *rand.Rand) {
	b.ChartYAML("appVersion: \"" + pick(r, "1.2.3", "2024.01", "v1") + "\"\nannotations:\n  example.com/@F@: yes\ndescription: A generated chart.\n")
	b.Template("release", configMap("release")+`  labels:
    helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
    app.kubernetes.io/managed-by: {{ .Release.Service }}
    app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
data:
  name: {{ .Release.Name }}
  namespace: {{ .Release.Namespace }}
  revision: {{ .Release.Revision | quote }}
  isInstall: {{ .Release.IsInstall | quote }}
  isUpgrade: {{ .Release.IsUpgrade | quote }}
  template: {{ .Template.Name }}
  basePath: {{ .Template.BasePath }}
  annotations: {{ toJson .Chart.Annotations | quote }}
  description: {{ .Chart.Description | quote }}
  deps: {{ len .Chart.Dependencies | quote }}
  apiVersion: {{ .Chart.APIVersion }}
  checksum: {{ include (print $.Template.BasePath "/@F@-release-b.yaml") . | sha256sum }}
`)
	b.Template("release-b", configMap("release-b")+`data:
  fullname: {{ printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}
`)
}

// crlf: a template with Windows line endings, block scalars included.
func crlf(b *Builder, r *rand.Rand) {
	text := configMap("crlf") + "data:\n  a: one\n  block: |\n    line one\n    line two\n  last: " + pick(r, "|\n    end\n", "|-\n    end\n", "plain\n")
	b.Template("crlf", strings.ReplaceAll(text, "\n", "\r\n"))
}

// nullDeletesDefault: a null given for a key of values.yaml removes it.
func nullDeletesDefault(b *Builder, r *rand.Rand) {
	b.Values("@F@:\n  keep: 1\n  drop: 2\n  nested:\n    a: x\n    b: y\n")
	b.Template("nulls", configMap("nulls")+`data:
  hasDrop: {{ hasKey .Values.@F@ "drop" | quote }}
  hasB: {{ hasKey (.Values.@F@.nested | default dict) "b" | quote }}
  all: {{ toJson .Values.@F@ | quote }}
`)
	switch r.IntN(3) {
	case 0:
		b.Give(map[string]any{b.P: map[string]any{"drop": nil, "nested": map[string]any{"b": nil}}})
	case 1:
		b.Give(map[string]any{b.P: map[string]any{"nested": nil}})
	}
}

// functions: template functions real charts use on values.
func functions(b *Builder, r *rand.Rand) {
	b.Values(`@F@:
  list: [b, a, c, a]
  map: {z: 1, a: {deep: true}}
  yaml: |
    k: v
    l: [1, 2]
  json: '{"x": [1, "two"]}'
  semver: 1.2.3-rc.1
  image: docker.io/library/nginx:1.27
`)
	b.Template("functions", configMap("functions")+`data:
  sorted: {{ .Values.@F@.list | uniq | sortAlpha | join "," | quote }}
  merged: {{ merge (dict "a" (dict "extra" 1)) .Values.@F@.map | toJson | quote }}
  overwrite: {{ mergeOverwrite (dict "z" 9) (deepCopy .Values.@F@.map) | toJson | quote }}
  fromYaml: {{ (fromYaml .Values.@F@.yaml).l | toJson | quote }}
  fromJson: {{ (fromJson .Values.@F@.json).x | toJson | quote }}
  toToml: {{ toToml .Values.@F@.map | quote }}
  semver: {{ semverCompare "^1.2.0-0" .Values.@F@.semver | quote }}
  repo: {{ regexReplaceAll ":.*$" .Values.@F@.image "" | quote }}
  split: {{ (splitList "/" .Values.@F@.image) | last | quote }}
  printf: {{ printf "%v|%d|%s|%q" .Values.@F@.map 42 "s" "q" | quote }}
  typeOf: {{ typeOf .Values.@F@.map.z | quote }}
  kind: {{ kindOf .Values.@F@.list | quote }}
  sha: {{ .Values.@F@.image | sha256sum | trunc 12 }}
  b64: {{ .Values.@F@.yaml | b64enc | b64dec | quote }}
  ternary: {{ ternary "yes" "no" (empty .Values.@F@.missing) | quote }}
  coalesce: {{ coalesce .Values.@F@.missing "" "third" | quote }}
  indent: |
{{ .Values.@F@.yaml | indent 4 }}
  squote: {{ .Values.@F@.semver | squote }}
`)
}

// subchartCRDsHooks: a subchart's crds/, hooks and test hooks.
func subchartCRDsHooks(b *Builder, r *rand.Rand) {
	group := b.P + "sub." + filepath.Base(b.chart.Dir) + ".example.com"
	b.File("charts/@F@sub/Chart.yaml", "apiVersion: v2\nname: @F@sub\nversion: 0.2.0\n")
	b.File("charts/@F@sub/crds/things.yaml", crdYAML("things", "Thing", group, pick(r, "|\n            A thing.\n", "|\n            A thing.")))
	b.File("charts/@F@sub/templates/hook.yaml", `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-@F@sub-hook
  annotations:
    helm.sh/hook: pre-install
    helm.sh/hook-weight: "{{ .Values.weight | default 0 }}"
data:
  thing: {{ .Capabilities.APIVersions.Has "`+group+`/v1/Thing" | quote }}
---
apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-@F@sub-test
  annotations:
    helm.sh/hook: test-success
spec:
  restartPolicy: Never
  containers:
    - name: t
      image: busybox:1.36
`)
	b.Dependency("  - name: @F@sub\n    version: 0.2.0\n")
}

// trailingSpaces: spaces and tabs at the ends of lines and documents,
// which Helm's trim of each document takes from the last line only.
func trailingSpaces(b *Builder, r *rand.Rand) {
	b.Template("spaces", configMap("spaces")+"data:\n  a: |\n    spaces after   \n    tab after\t\n  plain: value   \n  last: "+
		pick(r, "|\n    last line   ", "|+\n    kept   \n   \n", "|\n    tab\t", "\"quoted\"   \t")+pick(r, "", "\n", "  \n  "))
}

// yamlForms: YAML that templates write and a reader must read as kubectl
// does: anchors and merge keys, tags, keys that are not strings, integers
// past int64, escapes of double-quoted strings.
func yamlForms(b *Builder, r *rand.Rand) {
	b.Template("forms", `apiVersion: example.com/v1
kind: Forms
metadata:
  name: {{ .Release.Name }}-@F@-forms
spec:
  base: &base
    a: 1
    b: two
  derived:
    <<: *base
    b: three
  ref: *base
  tagged: !!str 123
  tagInt: !!int "42"
  tagFloat: !!float "1"
  1: int key
  true: bool key
  3.5: float key
  u64: 12345678901234567890
  minInt: -9223372036854775808
  huge: 99999999999999999999999
  hex: 0x1F
  octal: 0755
  octal12: 0o17
  exp: 1e3
  under: 1_000
  sexa: 1:20
  date: 2001-12-14
  stamp: 2001-12-14t21:59:43.10-05:00
  escapes: "\x41 \u00e9 \U0001F600 \t \\ \" \N \_ \e \a \b \v \f end"
  folded: "line one
    continued

    new paragraph"
  single: 'it''s ''quoted'''
  plainMulti: first
    second
  flow: {a: [1, 2, {b: c}], "d e": f}
  empty: ""
  tilde: ~
  nullWord: null
  emptyValue:
`)
}

// nullFields: fields a template leaves empty (a "with" that is false),
// which Helm prints as null.
func nullFields(b *Builder, r *rand.Rand) {
	b.Template("nullfields", `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-@F@-nullfields
  annotations:
    {{- with .Values.@F@missing }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  labels:
data:
  k: v
binaryData:
`)
}

// templateNames: templates that are not <name>.yaml: .yml, .txt, a
// non-partial .tpl, nested directories, and partials that render nothing.
func templateNames(b *Builder, r *rand.Rand) {
	for _, name := range []string{"templates/@F@-a.yml", "templates/@F@-b.txt", "templates/@F@/nested/c.yaml", "templates/@F@-d.tpl"} {
		b.File(name, configMap(strings.NewReplacer("templates/", "", "/", "-", ".", "-").Replace(strings.TrimPrefix(name, "templates/@F@")))+"data:\n  file: {{ .Template.Name }}\n")
	}
	b.File("templates/_@F@-partial.yaml", "{{- define \"@F@.partial\" }}kind: NotRendered{{ end }}\napiVersion: v1\nkind: ConfigMap\n")
	b.File("templates/@F@/_nested.tpl", "{{- define \"@F@.nested\" }}x{{ end }}")
}

// helmignore: files and templates .helmignore leaves out of the chart.
func helmignore(b *Builder, r *rand.Rand) {
	b.File(".helmignore", "# generated\n*.bak\nfiles/@F@/secret.txt\ntemplates/@F@-ignored.yaml\n"+pick(r, "", ".git/\n"))
	b.File("files/@F@/kept.txt", "kept\n")
	b.File("files/@F@/secret.txt", "must not be read\n")
	b.File("files/@F@/old.bak", "backup\n")
	b.File("templates/@F@-ignored.yaml", configMap("ignored"))
	b.Template("helmignore", configMap("helmignore")+`data:
{{ (.Files.Glob "files/@F@/*").AsConfig | indent 2 }}
  count: {{ len (.Files.Glob "files/@F@/*") | quote }}
`)
}

// chartAPIV1: a Helm 2 chart (apiVersion v1), its dependencies, if any, in
// requirements.yaml.
func chartAPIV1(b *Builder, r *rand.Rand) { b.apiV1 = true }

// chartType: the chart's type said; a library chart cannot be installed.
func chartType(b *Builder, r *rand.Rand) {
	b.ChartYAML("type: " + pick(r, "application", "application", "library") + "\n")
}

// typeClash: given values of another type than the chart's defaults (Helm
// warns and keeps one of them).
func typeClash(b *Builder, r *rand.Rand) {
	b.Values("@F@:\n  table:\n    a: 1\n  list: [1, 2]\n  scalar: x\n")
	b.Template("clash", configMap("clash")+`data:
  all: {{ toJson .Values.@F@ | quote }}
`)
	b.Give(map[string]any{b.P: pick[map[string]any](r,
		map[string]any{"table": "now a string"},
		map[string]any{"list": map[string]any{"k": "v"}, "scalar": map[string]any{"nested": true}},
		map[string]any{"table": []any{1, 2}, "scalar": nil},
	)})
}

// listKind: a kind: List document, which kubectl applies as its items.
func listKind(b *Builder, r *rand.Rand) {
	b.Template("list", `apiVersion: v1
kind: `+pick(r, "List", "ConfigMapList")+`
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata:
      name: {{ .Release.Name }}-@F@-item-a
    data:
      block: |
        in a list
  - apiVersion: v1
    kind: ConfigMap
    metadata:
      name: {{ .Release.Name }}-@F@-item-b
`)
}

// trickyStrings: keys and values a YAML writer must quote to keep them
// strings (a merge key, words YAML reads as booleans or null, indicators).
func trickyStrings(b *Builder, r *rand.Rand) {
	strs := []string{"yes", "null", "~", "", "a: b", "- dash", "#hash", "  spaced  ", "@at", "`tick", "%pct", "!bang",
		"&amp", "*star", "|pipe", ">gt", "'single", "\"double", "{brace", "[bracket", "?q", "a #b", "tab\tin", "trailing:", "-", "---", "...", "= eq", "0.", "1e", "+.inf"}
	var vals strings.Builder
	vals.WriteString("@F@:\n  strs:\n")
	for _, s := range strs {
		fmt.Fprintf(&vals, "    - %q\n", s)
	}
	vals.WriteString("  keys:\n")
	for i, s := range strs {
		fmt.Fprintf(&vals, "    %q: v%d\n", s, i)
	}
	b.Values(vals.String())
	b.Template("tricky", `apiVersion: example.com/v1
kind: Tricky
metadata:
  name: {{ .Release.Name }}-@F@-tricky
spec:
  strs:
    {{- toYaml .Values.@F@.strs | nindent 4 }}
  keys:
    {{- toYaml .Values.@F@.keys | nindent 4 }}
  quoted:
    {{- range .Values.@F@.strs }}
    - {{ . | quote }}
    {{- end }}
  "<<": literal key
  "yes": yes key
  "": empty key
`)
}
