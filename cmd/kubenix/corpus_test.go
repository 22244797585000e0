package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A Nix app of one object, with the given field lines in its body.
func nixObj(body string) string {
	return "{ kubenix }: {\n  o = { apiVersion = \"v1\"; kind = \"ConfigMap\";\n    metadata = { name = \"a\"; namespace = \"default\"; };\n" + body + "\n  };\n}\n"
}

const goodDeploy = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, namespace: default}\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec:\n      containers:\n      - name: c\n        image: nginx:1.27\n"

// chartApp renders the chart in ./c.
const chartApp = `{ kubenix }: { c = kubenix.helm.chart { chart = ./c; name = "x"; namespace = "default"; }; }`

// slowNix evaluates for far longer than a test waits (and is interrupted).
var slowNix = map[string]string{"slow.nix": "{ kubenix }: let l = builtins.genList (x: x) 100000; in\n" +
	"  builtins.seq (builtins.foldl' (a: i: builtins.foldl' (b: j: b + 1) a l) 0 l) {}\n"}

const chartYAML = "apiVersion: v2\nname: c\nversion: 0.1.0\n"

// The wider hostile-input corpus: each case is a bad input a user or an
// attacker could give, in a directory of its own, and what kubenix must
// answer: the exit code (1 invalid input, 2 usage or environment) and a
// fragment of the message naming the file:line or the flag. Cases run as
// separate processes, in parallel, each bounded in time: a hang fails.
func TestHostileCorpusCases(t *testing.T) {
	requireNix(t)
	cache := cacheHome(t)
	for _, tc := range []struct {
		name  string
		files map[string]string // besides app.nix and cm.yaml
		args  []string
		code  int
		want  string // a fragment of stderr+stdout
		not   string // a fragment that must not be there
		// signal, when set, is sent once the command runs Nix: the command
		// must stop with exit 2, say so, and leave absent unwritten.
		signal syscall.Signal
		absent string
	}{
		// Nix: the error at the file:line the user wrote.
		{name: "nix syntax", files: map[string]string{"x.nix": "{ kubenix }: {\n  a = ;\n}\n"}, args: []string{"check", "x.nix"}, code: 1, want: "x.nix:2:7: error: syntax error, unexpected ';'"},
		{name: "nix empty file", files: map[string]string{"x.nix": ""}, args: []string{"check", "x.nix"}, code: 1, want: "x.nix:1:1: error: syntax error, unexpected end of file"},
		{name: "nix binary garbage", files: map[string]string{"x.nix": "\x00\xff\xfe{{{"}, args: []string{"check", "x.nix"}, code: 1, want: "x.nix:1:1: error: syntax error"},
		{name: "nix unterminated string", files: map[string]string{"x.nix": "{ kubenix }: {\n  a = \"open;\n}\n"}, args: []string{"check", "x.nix"}, code: 1, want: "x.nix:2:8: error: syntax error, unexpected end of file, expecting '\"'"},
		{name: "nix undefined variable", files: map[string]string{"x.nix": nixObj("    data.x = nope;")}, args: []string{"check", "x.nix"}, code: 1, want: "x.nix:4:14: error: undefined variable 'nope'"},
		{name: "nix throw", files: map[string]string{"x.nix": nixObj("    data.x = throw \"no way\";")}, args: []string{"check", "x.nix"}, code: 1, want: "x.nix:4:5: error: no way"},
		{name: "nix abort", files: map[string]string{"x.nix": nixObj("    data.x = abort \"stop here\";")}, args: []string{"check", "x.nix"}, code: 1, want: "x.nix:2:3: error: evaluation aborted with the following error message: 'stop here'"},
		{name: "nix assert", files: map[string]string{"x.nix": nixObj("    data.x = assert 1 == 2; \"x\";")}, args: []string{"check", "x.nix"}, code: 1, want: "x.nix:4:14: error: assertion"},
		{name: "nix infinite recursion", files: map[string]string{"x.nix": "{ kubenix }: let x = x; in x\n"}, args: []string{"check", "x.nix"}, code: 1, want: "x.nix:1:22: error: infinite recursion encountered"},
		{name: "nix self-referencing attrs", files: map[string]string{"x.nix": "{ kubenix }: rec { a = a; }\n"}, args: []string{"check", "x.nix"}, code: 1, want: "x.nix:1:24: error: infinite recursion encountered"},
		{name: "nix import missing", files: map[string]string{"x.nix": nixObj("    data.x = import ./gone.nix;")}, args: []string{"check", "x.nix"}, code: 1, want: "x.nix:2:3: error: getting status of"},
		{name: "nix builtins.exec", files: map[string]string{"x.nix": nixObj("    data.x = builtins.exec [ \"touch\" \"/tmp/kubenix-pwned\" ];")}, args: []string{"eval", "x.nix"}, code: 1, want: "x.nix:4:14: error: the file calls builtins.exec"},
		{name: "nix __exec", files: map[string]string{"x.nix": nixObj("    data.x = __exec [ \"id\" ];")}, args: []string{"build", "x.nix", "--no-out-link"}, code: 1, want: "the file calls builtins.exec"},
		{name: "nix exec in import", files: map[string]string{"x.nix": nixObj("    data.x = import ./h.nix;"), "h.nix": "builtins.exec [ \"id\" ]\n"}, args: []string{"check", "x.nix"}, code: 1, want: "h.nix:1:1: error: the file calls builtins.exec"},
		{name: "nix importNative", files: map[string]string{"x.nix": nixObj("    data.x = builtins.importNative ./x.so \"f\";")}, args: []string{"check", "x.nix"}, code: 1, want: "x.nix:4:14: error: the file calls builtins.importNative, which runs a program"},
		{name: "nix not a function", files: map[string]string{"x.nix": "42\n"}, args: []string{"check", "x.nix"}, code: 1, want: "x.nix: error: expected a Kubernetes object (an attrset with apiVersion and kind), or an attrset or list of them; found a number (42)"},
		{name: "nix list of numbers", files: map[string]string{"x.nix": "{ kubenix }: [ 1 2 ]\n"}, args: []string{"check", "x.nix"}, code: 1, want: "x.nix: error: expected a Kubernetes object (an attrset with apiVersion and kind), or an attrset or list of them; found a number (1)"},
		{name: "nix boolean leaf", files: map[string]string{"x.nix": "{ kubenix }: {\n  a = true;\n}\n"}, args: []string{"check", "x.nix"}, code: 1, want: "x.nix:2:3: error: expected a Kubernetes object"},
		{name: "nix missing argument", files: map[string]string{"x.nix": "{ kubenix, env }: {}\n"}, args: []string{"check", "x.nix"}, code: 1, want: "hint: pass it with --argstr env VALUE"},
		{name: "nix unexpected argstr", args: []string{"check", "app.nix", "--argstr", "nosuch", "v"}, code: 2, want: "app.nix does not take argument 'nosuch' (it takes: kubenix)"},
		{name: "nix name is an int", files: map[string]string{"x.nix": "{ kubenix }: {\n  o = { apiVersion = \"v1\"; kind = \"ConfigMap\"; metadata.name = 5; };\n}\n"}, args: []string{"check", "x.nix"}, code: 1, want: "x.nix:2:28: error: ConfigMap/?: metadata.name: metadata.name must be a string, found a number (5)"},
		{name: "nix data value an int", files: map[string]string{"x.nix": nixObj("    data.x = 5;")}, args: []string{"check", "x.nix"}, code: 1, want: "x.nix:4:5: error: ConfigMap/default/a: data.x"},
		{name: "nix float replicas", files: map[string]string{"x.nix": "{ kubenix }: {\n  d = { apiVersion = \"apps/v1\"; kind = \"Deployment\"; metadata.name = \"a\";\n    spec = { replicas = 1.5; selector.matchLabels.a = \"b\"; template.metadata.labels.a = \"b\";\n      template.spec.containers = [ { name = \"c\"; image = \"nginx:1.27\"; } ]; }; };\n}\n"}, args: []string{"check", "x.nix"}, code: 1, want: "x.nix:3:14: error: Deployment/default/a: spec.replicas"},
		{name: "nix negative replicas", files: map[string]string{"x.nix": "{ kubenix }: {\n  d = { apiVersion = \"apps/v1\"; kind = \"Deployment\"; metadata.name = \"a\";\n    spec = { replicas = -3; selector.matchLabels.a = \"b\"; template.metadata.labels.a = \"b\";\n      template.spec.containers = [ { name = \"c\"; image = \"nginx:1.27\"; } ]; }; };\n}\n"}, args: []string{"check", "x.nix"}, code: 1, want: "x.nix:3:14: error: Deployment/default/a: spec.replicas: Invalid value: -3"},
		{name: "nix uppercase name", files: map[string]string{"x.nix": "{ kubenix }: {\n  o = { apiVersion = \"v1\"; kind = \"ConfigMap\"; metadata.name = \"Bad_Name\"; };\n}\n"}, args: []string{"check", "x.nix"}, code: 1, want: "metadata.name: Invalid value: \"Bad_Name\""},
		{name: "nix long name", files: map[string]string{"x.nix": "{ kubenix }: {\n  o = { apiVersion = \"v1\"; kind = \"ConfigMap\"; metadata.name = \"" + strings.Repeat("a", 300) + "\"; };\n}\n"}, args: []string{"check", "x.nix"}, code: 1, want: "x.nix:2:48: error: ConfigMap/default/aaaa"},
		{name: "nix no kind", files: map[string]string{"x.nix": "{ kubenix }: {\n  o = { apiVersion = \"v1\"; metadata.name = \"a\"; };\n}\n"}, args: []string{"check", "x.nix"}, code: 1, want: "x.nix:2:9: error: kind: object has apiVersion \"v1\" but no kind"},
		{name: "nix unknown kind", files: map[string]string{"x.nix": "{ kubenix }: {\n  o = { apiVersion = \"v1\"; kind = \"Gadget\"; metadata.name = \"a\"; };\n}\n"}, args: []string{"check", "x.nix"}, code: 1, want: "x.nix:2:28: error: Gadget/a: kind: unknown kind v1 Gadget"},
		{name: "nix a path in a list", files: map[string]string{"x.nix": "{ kubenix }: [ ./cm.yaml ]\n"}, args: []string{"check", "x.nix"}, code: 1, want: "x.nix: error: a Nix path cannot be part of a manifest"},
		{name: "nix missing file", args: []string{"check", "gone.nix"}, code: 2, want: "gone.nix: no such file or directory"},
		{name: "nix directory without default.nix", files: map[string]string{"d/readme": "x"}, args: []string{"build", "d", "--no-out-link"}, code: 2, want: "d is a directory without default.nix"},
		{name: "from-json not json", files: map[string]string{"t.json": "{nope"}, args: []string{"build", "--from-json", "t.json", "--no-out-link"}, code: 1, want: "t.json: error: not a JSON tree of objects: JSON at offset 1"},
		{name: "from-json a scalar", files: map[string]string{"t.json": "42"}, args: []string{"build", "--from-json", "t.json", "--no-out-link"}, code: 1, want: "t.json: error: expected a Kubernetes object"},
		{name: "from-json missing", args: []string{"build", "--from-json", "gone.json", "--no-out-link"}, code: 2, want: "gone.json: no such file"},
		{name: "from-json and a file", files: map[string]string{"t.json": "{}"}, args: []string{"build", "app.nix", "--from-json", "t.json", "--no-out-link"}, code: 2, want: "kubenix build takes no FILE with --from-json"},

		// YAML manifests: at the line of the problem.
		{name: "yaml tab indent", files: map[string]string{"x.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: a\n"}, args: []string{"check", "x.yaml"}, code: 1, want: "x.yaml:4: error: YAML: found character that cannot start any token"},
		{name: "yaml unclosed quote", files: map[string]string{"x.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  a: \"open\n"}, args: []string{"check", "x.yaml"}, code: 1, want: "x.yaml:5: error: YAML"},
		{name: "yaml unclosed flow", files: map[string]string{"x.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a\n"}, args: []string{"check", "x.yaml"}, code: 1, want: "x.yaml:2: error: YAML: did not find expected ',' or '}'"},
		{name: "yaml scalar document", files: map[string]string{"x.yaml": "hello\n"}, args: []string{"check", "x.yaml"}, code: 1, want: "x.yaml:1:1: error: expected a Kubernetes object (a mapping with apiVersion and kind), found a string (\"hello\")"},
		{name: "yaml top-level list", files: map[string]string{"x.yaml": "- a\n- b\n"}, args: []string{"check", "x.yaml"}, code: 1, want: "x.yaml:1:1: error: expected a Kubernetes object (a mapping with apiVersion and kind), found a list of 2 elements"},
		{name: "yaml List of scalars", files: map[string]string{"x.yaml": "apiVersion: v1\nkind: List\nitems:\n- 1\n- two\n"}, args: []string{"check", "x.yaml"}, code: 1, want: "x.yaml:5:3: error: expected a Kubernetes object"},
		{name: "yaml apiVersion a number", files: map[string]string{"x.yaml": "apiVersion: 1\nkind: ConfigMap\nmetadata: {name: a}\n"}, args: []string{"check", "x.yaml"}, code: 1, want: "x.yaml:1:1: error: apiVersion: apiVersion must be a non-empty string, found a number (1)"},
		{name: "yaml no kind", files: map[string]string{"x.yaml": "apiVersion: v1\nmetadata: {name: a}\n"}, args: []string{"check", "x.yaml"}, code: 1, want: "x.yaml:1:1: error: kind: object has apiVersion \"v1\" but no kind"},
		{name: "yaml no name", files: map[string]string{"x.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {namespace: default}\n"}, args: []string{"check", "x.yaml"}, code: 1, want: "x.yaml:1:1: error: ConfigMap/?: metadata.name: every object needs metadata.name"},
		{name: "yaml bad name", files: map[string]string{"x.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Foo_Bar, namespace: default}\n"}, args: []string{"check", "x.yaml"}, code: 1, want: "x.yaml:3:12: error: ConfigMap/default/Foo_Bar: metadata.name: Invalid value"},
		{name: "yaml bad label key", files: map[string]string{"x.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: default\n  labels: {\"-bad key\": x}\n"}, args: []string{"check", "x.yaml"}, code: 1, want: "x.yaml:6:3: error: ConfigMap/default/a: metadata.labels: Invalid value: \"-bad key\""},
		{name: "yaml bad label value", files: map[string]string{"x.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: default\n  labels: {a: \"has space\"}\n"}, args: []string{"check", "x.yaml"}, code: 1, want: "x.yaml:6:3: error: ConfigMap/default/a: metadata.labels: Invalid value: \"has space\""},
		{name: "yaml deep flow nesting", files: map[string]string{"x.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\ndata: " + strings.Repeat("[", 20000) + "\n"}, args: []string{"check", "x.yaml"}, code: 1, want: "x.yaml:4: error: YAML: exceeded max depth"},
		{name: "yaml data a list", files: map[string]string{"x.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\ndata: [a, b]\n"}, args: []string{"check", "x.yaml"}, code: 1, want: "x.yaml:4:1: error: ConfigMap/default/a: data"},
		{name: "yaml data value a map", files: map[string]string{"x.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\ndata:\n  x: {y: z}\n"}, args: []string{"check", "x.yaml"}, code: 1, want: "x.yaml:5:3: error: ConfigMap/default/a: data.x: Invalid value: \"object\""},
		{name: "yaml secret not base64", files: map[string]string{"x.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: a, namespace: default}\ndata:\n  p: \"not base64!\"\n"}, args: []string{"check", "x.yaml"}, code: 1, want: "x.yaml:5:3: error: Secret/default/a: data.p: Invalid value: \"(hidden)\""},
		{name: "yaml selector mismatch", files: map[string]string{"x.yaml": strings.Replace(goodDeploy, "labels: {a: b}", "labels: {a: c}", 1)}, args: []string{"check", "x.yaml"}, code: 1, want: "x.yaml:7:16: error: Deployment/default/a: spec.template.metadata.labels: Invalid value: {\"a\":\"c\"}: `selector` does not match template `labels`"},
		{name: "yaml container without image", files: map[string]string{"x.yaml": strings.Replace(goodDeploy, "        image: nginx:1.27\n", "", 1)}, args: []string{"check", "x.yaml"}, code: 1, want: "x.yaml:10:9: error: Deployment/default/a: spec.template.spec.containers[0].image: Required value"},
		{name: "yaml port out of range", files: map[string]string{"x.yaml": goodDeploy + "        ports: [{containerPort: 70000}]\n"}, args: []string{"check", "x.yaml"}, code: 1, want: "x.yaml:12:18: error: Deployment/default/a: spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 70000"},
		{name: "yaml bad quantity", files: map[string]string{"x.yaml": goodDeploy + "        resources: {limits: {cpu: 1x}}\n"}, args: []string{"check", "x.yaml"}, code: 1, want: "x.yaml:12:30: error: Deployment/default/a: spec.template.spec.containers[0].resources.limits[cpu]: Invalid value: \"1x\""},
		{name: "yaml duplicate container", files: map[string]string{"x.yaml": goodDeploy + "      - name: c\n        image: nginx:1.27\n"}, args: []string{"check", "x.yaml"}, code: 1, want: "x.yaml:12:9: error: Deployment/default/a: spec.template.spec.containers[1].name: Duplicate value: \"c\""},
		{name: "yaml bad service type", files: map[string]string{"x.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: default}\nspec: {type: Bogus, ports: [{port: 80}]}\n"}, args: []string{"check", "x.yaml"}, code: 1, want: "x.yaml:4:8: error: Service/default/a: spec.type: Unsupported value: \"Bogus\""},
		{name: "yaml bad restart policy", files: map[string]string{"x.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: default}\nspec: {restartPolicy: Sometimes, containers: [{name: c, image: nginx}]}\n"}, args: []string{"check", "x.yaml"}, code: 1, want: "x.yaml:4:8: error: Pod/default/a: spec.restartPolicy: Unsupported value: \"Sometimes\""},
		{name: "json trailing comma read as YAML, as kubectl does", files: map[string]string{"x.json": "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\",}\n"}, args: []string{"check", "x.json"}, code: 1, want: "x.json:1:1: error: ConfigMap/?: metadata.name: every object needs metadata.name"},
		{name: "yaml json duplicate key", files: map[string]string{"x.json": "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"a\", \"name\": \"b\"}}\n"}, args: []string{"check", "x.json"}, code: 1, want: "x.json:1:69: error: ConfigMap/default/b: metadata.name: duplicate key \"name\""},
		{name: "yaml json a scalar", files: map[string]string{"x.json": "\"just a string\"\n"}, args: []string{"check", "x.json"}, code: 1, want: "x.json:1:1: error: expected a Kubernetes object (a mapping with apiVersion and kind), found a string"},
		{name: "yaml error on line 6", files: map[string]string{"x.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  x: [\n"}, args: []string{"check", "x.yaml"}, code: 1, want: "x.yaml:6: error: YAML: did not find expected node content"},
		{name: "yaml second document bad", files: map[string]string{"x.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n---\nfoo: [\n"}, args: []string{"check", "x.yaml"}, code: 1, want: "x.yaml:5: error: YAML"},
		{name: "yaml in a directory", files: map[string]string{"m/ok.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n", "m/sub/bad.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: B}\n"}, args: []string{"check", "m"}, code: 1, want: "m/sub/bad.yaml:3:12: error: ConfigMap/default/B: metadata.name: Invalid value: \"B\""},
		{name: "yaml missing path", args: []string{"check", "gone.yaml"}, code: 2, want: "gone.yaml: no such file or directory"},
		{name: "yaml unsupported extension", files: map[string]string{"x.txt": "hello"}, args: []string{"check", "x.txt"}, code: 2, want: "x.txt: kubenix checks .nix files, .yaml/.yml/.json manifests and directories of manifests"},
		{name: "yaml invalid utf8 in a value", files: map[string]string{"x.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\ndata: {a: \"\xff\"}\n"}, args: []string{"check", "x.yaml"}, code: 1, want: "x.yaml: error: YAML: yaml: invalid leading UTF-8 octet"},
		{name: "yaml bad Namespace name", files: map[string]string{"x.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: Bad_NS}\n"}, args: []string{"check", "x.yaml"}, code: 1, want: "x.yaml:3:12: error: Namespace/Bad_NS: metadata.name: Invalid value: \"Bad_NS\""},
		{name: "secrets encrypt a ConfigMap", args: []string{"secrets", "encrypt", "cm.yaml", "--age", "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"}, code: 1, want: `cm.yaml: cannot encrypt: not a Secret (kind "ConfigMap")`},
		{name: "secrets encrypt bad recipient", args: []string{"secrets", "encrypt", "cm.yaml", "--age", "age1nope"}, code: 2, want: `--age: age recipient "age1nope"`},
		{name: "image registry not a registry", args: []string{"check", "app.nix", "--image-registry", "Bad Registry!"}, code: 2, want: `--image-registry "Bad Registry!": expected a registry host`},
		{name: "crd path without a CRD", args: []string{"check", "app.nix", "--crd", "cm.yaml"}, code: 2, want: "--crd cm.yaml: no CustomResourceDefinition in it"},
		{name: "yaml crd file invalid", files: map[string]string{"crd.yaml": "apiVersion: [\n"}, args: []string{"check", "cm.yaml", "--crd", "crd.yaml"}, code: 1, want: "crd.yaml:1: error: YAML"},
		{name: "yaml custom resource without crd", files: map[string]string{"x.yaml": "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: a, namespace: default}\n"}, args: []string{"check", "x.yaml"}, code: 1, want: "x.yaml:2:1: error: Widget/default/a: kind: unknown kind example.com/v1 Widget"},

		// Charts: refused at the template line, nothing outside the chart read.
		{name: "chart missing Chart.yaml", files: map[string]string{"app.nix": chartApp, "c/templates/a.yaml": "a: b\n"}, args: []string{"check", "app.nix"}, code: 1, want: "/c is not a Helm chart: it has no Chart.yaml"},
		{name: "chart Chart.yaml invalid", files: map[string]string{"app.nix": chartApp, "c/Chart.yaml": "name: [\n"}, args: []string{"check", "app.nix"}, code: 1, want: "app.nix:1:41: error: cannot load chart"},
		{name: "chart Chart.yaml no version", files: map[string]string{"app.nix": chartApp, "c/Chart.yaml": "apiVersion: v2\nname: c\n"}, args: []string{"check", "app.nix"}, code: 1, want: "chart.metadata.version is required"},
		{name: "chart template syntax", files: map[string]string{"app.nix": chartApp, "c/Chart.yaml": chartYAML, "c/templates/a.yaml": "a: b\nx: {{ .Values.x \n"}, args: []string{"check", "app.nix"}, code: 1, want: "c/templates/a.yaml:3: error: chart c: unclosed action started at c/templates/a.yaml:2"},
		{name: "chart fail", files: map[string]string{"app.nix": chartApp, "c/Chart.yaml": chartYAML, "c/templates/a.yaml": "{{ fail \"values.x is required\" }}\n"}, args: []string{"check", "app.nix"}, code: 1, want: "c/templates/a.yaml:1:3: error: chart c: values.x is required"},
		{name: "chart required", files: map[string]string{"app.nix": chartApp, "c/Chart.yaml": chartYAML, "c/templates/a.yaml": "x: {{ required \"set x\" .Values.x }}\n"}, args: []string{"check", "app.nix"}, code: 1, want: "c/templates/a.yaml:1:6: error: chart c: set x"},
		{name: "chart renders bad yaml", files: map[string]string{"app.nix": chartApp, "c/Chart.yaml": chartYAML, "c/templates/a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n data: [\n"}, args: []string{"check", "app.nix"}, code: 1, want: "c/templates/a.yaml: error: chart c: YAML parse error on c/templates/a.yaml"},
		{name: "chart renders invalid object", files: map[string]string{"app.nix": chartApp, "c/Chart.yaml": chartYAML, "c/templates/a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n"}, args: []string{"check", "app.nix"}, code: 1, want: "c/templates/a.yaml: error: ConfigMap/default/Bad_Name: metadata.name: Invalid value"},
		{name: "chart missing directory", files: map[string]string{"app.nix": chartApp}, args: []string{"check", "app.nix"}, code: 1, want: "app.nix:1:41: error: chart "},
		{name: "chart symlinked templates dir", files: map[string]string{"app.nix": chartApp, "c/Chart.yaml": chartYAML}, args: []string{"check", "app.nix"}, code: 1, want: "outside the chart directory"},                                                                         // c/templates -> /etc below
		{name: "chart symlink to parent", files: map[string]string{"app.nix": chartApp, "c/Chart.yaml": chartYAML, "secret.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: leaked}\n"}, args: []string{"check", "app.nix"}, code: 1, want: "outside the chart directory"}, // c/templates/s.yaml -> ../../secret.yaml below
		{name: "chart garbage archive", files: map[string]string{"app.nix": `{ kubenix }: { c = kubenix.helm.chart { chart = ./c.tgz; name = "x"; namespace = "default"; }; }`, "c.tgz": "not a gzip archive"}, args: []string{"check", "app.nix"}, code: 1, want: "c.tgz' does not appear to be a gzip"},
		{name: "chart values.yaml invalid", files: map[string]string{"app.nix": chartApp, "c/Chart.yaml": chartYAML, "c/values.yaml": "a: [\n"}, args: []string{"check", "app.nix"}, code: 1, want: "cannot load values.yaml"},
		{name: "chart bad release name", files: map[string]string{"app.nix": `{ kubenix }: { c = kubenix.helm.chart { chart = ./c; name = "Bad Name!"; namespace = "default"; }; }`, "c/Chart.yaml": chartYAML}, args: []string{"check", "app.nix"}, code: 1, want: "app.nix:1:41: error: release name \"Bad Name!\": invalid release name"},
		{name: "chart unknown function", files: map[string]string{"app.nix": chartApp, "c/Chart.yaml": chartYAML, "c/templates/a.yaml": "x: {{ exec \"id\" }}\n"}, args: []string{"check", "app.nix"}, code: 1, want: "c/templates/a.yaml:1: error: chart c: function \"exec\" not defined"},

		// Locks: refused before any work, naming the lock.
		{name: "lock not json", files: map[string]string{"kubenix.lock": "{not json"}, args: []string{"check", "app.nix"}, code: 1, want: "kubenix.lock:1:2: error: invalid character 'n' looking for beginning of object key string"},
		{name: "lock empty", files: map[string]string{"kubenix.lock": ""}, args: []string{"check", "app.nix"}, code: 1, want: "kubenix.lock:1:1: error: not a kubenix lock: expected a JSON object"},
		{name: "lock null", files: map[string]string{"kubenix.lock": "null"}, args: []string{"check", "app.nix"}, code: 1, want: "kubenix.lock:1:1: error: not a kubenix lock: expected a JSON object"},
		{name: "lock an array", files: map[string]string{"kubenix.lock": " [{\"version\": 1}]"}, args: []string{"check", "app.nix"}, code: 1, want: "kubenix.lock:1:2: error: not a kubenix lock: expected a JSON object"},
		{name: "lock a string", files: map[string]string{"kubenix.lock": "\"version: 1\""}, args: []string{"build", "app.nix", "--no-out-link"}, code: 1, want: "kubenix.lock:1:1: error: not a kubenix lock: expected a JSON object"},
		{name: "lock future version", files: map[string]string{"kubenix.lock": `{"version":99}`}, args: []string{"check", "app.nix"}, code: 2, want: "kubenix.lock: lock version 99 is not supported by this kubenix"},
		{name: "lock uppercase digest", files: map[string]string{"kubenix.lock": `{"version":1,"images":{"nginx:1.27":{"digest":"sha256:` + strings.Repeat("A", 64) + `"}}}`}, args: []string{"check", "app.nix"}, code: 1, want: "kubenix.lock:1:24: error: image nginx:1.27: digest \""},
		{name: "lock short digest", files: map[string]string{"kubenix.lock": `{"version":1,"images":{"nginx:1.27":{"digest":"sha256:abc"}}}`}, args: []string{"check", "app.nix"}, code: 1, want: "kubenix.lock:1:24: error: image nginx:1.27: digest \""},
		{name: "lock md5 digest", files: map[string]string{"kubenix.lock": `{"version":1,"images":{"nginx:1.27":{"digest":"md5:` + strings.Repeat("a", 32) + `"}}}`}, args: []string{"check", "app.nix"}, code: 1, want: "kubenix.lock:1:24: error: image nginx:1.27: digest \""},
		{name: "lock chart file url", files: map[string]string{"kubenix.lock": `{"version":1,"charts":{"r/c@1":{"repo":"https://x","chart":"c","version":"1","url":"file:///etc/passwd","sha256":"` + strings.Repeat("a", 64) + `"}}}`}, args: []string{"check", "app.nix"}, code: 2, want: "cannot reach file:///etc/passwd: Get \"file:///etc/passwd\": unsupported protocol scheme \"file\""},
		{name: "lock a directory", files: map[string]string{"kubenix.lock/x": ""}, args: []string{"check", "app.nix"}, code: 2, want: "kubenix.lock: not a regular file (a directory)"},
		{name: "lock flag a directory", files: map[string]string{"l/x": ""}, args: []string{"check", "app.nix", "--lock", "l"}, code: 2, want: "l: not a regular file (a directory)"},
		{name: "lock a yaml file", args: []string{"check", "app.nix", "--lock", "cm.yaml"}, code: 1, want: "cm.yaml:1:1: error: not a kubenix lock: expected a JSON object"},

		{name: "lock unknown field", files: map[string]string{"kubenix.lock": "{\n  \"version\": 1,\n  \"imgaes\": {}\n}\n"}, args: []string{"check", "app.nix"}, code: 1, want: `kubenix.lock:3:3: error: unknown field "imgaes"`},
		{name: "lock unknown chart field", files: map[string]string{"kubenix.lock": "{\"version\": 1, \"charts\": {\"r/c@1\": {\"repo\": \"https://x\", \"chart\": \"c\", \"version\": \"1\",\n  \"sha265\": \"" + strings.Repeat("a", 64) + "\"}}}\n"}, args: []string{"check", "app.nix"}, code: 1, want: `kubenix.lock:2:3: error: unknown field "sha265"`},
		{name: "lock image key not a reference", files: map[string]string{"kubenix.lock": "{\"version\": 1,\n \"images\": {\"NOT A REF\": {\"digest\": \"sha256:" + strings.Repeat("a", 64) + "\"}}}\n"}, args: []string{"check", "app.nix"}, code: 1, want: `kubenix.lock:2:13: error: images: "NOT A REF" is not an image reference`},
		// Result directories: untrusted data, read with file:line.
		{name: "result diff bad yaml", files: map[string]string{"old/a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n", "new/a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: [\n"}, args: []string{"diff", "old", "new"}, code: 2, want: "new/a.yaml:3: error: YAML"},
		{name: "result diff missing old", args: []string{"diff", "gone", "cm.yaml"}, code: 2, want: "gone: no such file or directory"},
		{name: "result diff missing new", args: []string{"diff", "cm.yaml", "gone"}, code: 2, want: "gone: no such file or directory"},
		{name: "result diff REV:PATH outside git", args: []string{"diff", "no-such-rev:app.nix", "app.nix"}, code: 2, want: "no-such-rev:app.nix: app.nix is not in a git repository"},
		{name: "result diff symlink to /dev/zero", files: map[string]string{"old/a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n"}, args: []string{"diff", "old", "new"}, code: 2, want: "not a regular file (a character device)"}, // new/z.yaml -> /dev/zero below
		{name: "result diff duplicate objects", files: map[string]string{"old/a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n"}, args: []string{"diff", "old", "cm.yaml"}, code: 2, want: "old/a.yaml:6:1: error: ConfigMap/default/a: defined more than once"},
		{name: "result serve missing", args: []string{"registry", "serve", "gone"}, code: 2, want: "gone: no such result"},
		{name: "result serve no images.txt", files: map[string]string{"r/a.yaml": "a: b\n"}, args: []string{"registry", "serve", "--addr", "127.0.0.1:0", "r"}, code: 2, want: "r has no images.txt: the build refers to no images"},
		{name: "result serve too few columns", files: map[string]string{"r/images.txt": "localhost:5000/a:b\n"}, args: []string{"registry", "serve", "--addr", "127.0.0.1:0", "r"}, code: 2, want: "images.txt line 1: expected 4 tab-separated fields"},
		{name: "result serve nul byte", files: map[string]string{"r/images.txt": "localhost:5000/a:b\tstore-hash\t/nix/store/x\x00y\tx\n"}, args: []string{"registry", "serve", "--addr", "127.0.0.1:0", "r"}, code: 2, want: "images.txt line 1: control characters or invalid UTF-8"},
		{name: "result serve two dirs", args: []string{"registry", "serve", "a", "b"}, code: 2, want: "kubenix registry serve takes at most one RESULT"},
		{name: "result apply missing", args: []string{"apply", "gone", "--kubectl", "/bin/true"}, code: 2, want: "gone: no such result"},
		{name: "result apply not a result", files: map[string]string{"r/readme.txt": "x"}, args: []string{"apply", "r", "--kubectl", "/bin/true"}, code: 2, want: "r holds no manifests (.yaml, .yml, .json)"},
		{name: "result out-dir is a file", args: []string{"build", "app.nix", "--out-dir", "cm.yaml"}, code: 2, want: "--out-dir cm.yaml exists and is not a directory"},
		{name: "result out-dir and out-link", args: []string{"build", "app.nix", "--out-dir", "o", "--out-link", "l"}, code: 2, want: "--out-dir writes plain files; it cannot be combined with --out-link"},

		{name: "result out-dir in proc", args: []string{"build", "app.nix", "--out-dir", "/proc/kubenix-x"}, code: 2, want: "--out-dir /proc/kubenix-x: kubenix cannot create files in /proc"},
		{name: "result out-dir through a file", args: []string{"build", "app.nix", "--out-dir", "cm.yaml/sub/out"}, code: 2, want: "--out-dir cm.yaml/sub/out: cm.yaml is a file, not a directory"},
		{name: "result out-link parent missing", args: []string{"build", "app.nix", "--out-link", "gone/result"}, code: 2, want: "--out-link gone/result: the directory gone does not exist", absent: "gone"},
		// CLI misuse: exit 2 at the flag, before any work.
		{name: "cli unknown command", args: []string{"bulid", "app.nix"}, code: 2, want: "unknown command \"bulid\" for \"kubenix\""},
		{name: "cli unknown flag", args: []string{"check", "app.nix", "--frobnicate"}, code: 2, want: "unknown flag: --frobnicate"},
		{name: "cli check nothing", args: []string{"check"}, code: 2, want: "kubenix check needs at least one PATH"},
		{name: "cli eval two files", args: []string{"eval", "app.nix", "app.nix"}, code: 2, want: "kubenix eval takes one FILE (got 2 arguments)"},
		{name: "cli kube-version garbage", args: []string{"check", "app.nix", "--kube-version", "abc"}, code: 2, want: "no schemas for Kubernetes abc"},
		{name: "cli kube-version future", args: []string{"check", "app.nix", "--kube-version", "1.99"}, code: 2, want: "no schemas for Kubernetes 1.99"},
		{name: "cli kube-version ancient", args: []string{"check", "app.nix", "--kube-version", "1.2"}, code: 2, want: "no schemas for Kubernetes 1.2;"},
		{name: "cli images mode", args: []string{"build", "app.nix", "--no-out-link", "--images", "yolo"}, code: 2, want: "--images takes build (or tag, the default), not \"yolo\""},
		{name: "cli image-field no colon", args: []string{"check", "app.nix", "--image-field", "Widget"}, code: 2, want: "--image-field \"Widget\": expected Kind:path"},
		{name: "cli eval output xml", args: []string{"eval", "app.nix", "-o", "xml"}, code: 2, want: "-o must be yaml or json, not \"xml\""},
		{name: "cli diff output xml", args: []string{"diff", "cm.yaml", "cm.yaml", "-o", "xml"}, code: 2, want: "-o must be text or json, not \"xml\""},
		{name: "cli images output xml", args: []string{"images", "app.nix", "-o", "xml"}, code: 2, want: "-o must be table or json, not \"xml\""},
		{name: "cli diff format xml", args: []string{"diff", "cm.yaml", "cm.yaml", "--format", "xml"}, code: 2, want: "--format \"xml\": want one of text, json, github"},
		{name: "cli arg without value", args: []string{"check", "app.nix", "--arg", "x"}, code: 2, want: "--arg needs two values: NAME and EXPR"},
		{name: "cli argstr without value", args: []string{"check", "app.nix", "--argstr"}, code: 2, want: "--argstr needs two values: NAME and VALUE"},
		{name: "cli empty namespace", args: []string{"check", "app.nix", "-n", ""}, code: 2, want: "--namespace \"\" is not a valid namespace"},
		{name: "cli namespace too long", args: []string{"check", "app.nix", "-n", strings.Repeat("a", 64)}, code: 2, want: "is not a valid namespace: must be no more than 63 characters"},
		{name: "cli nix-instantiate missing", args: []string{"check", "app.nix", "--nix-instantiate", "/nonexistent/nix-instantiate"}, code: 2, want: "nix-instantiate not found (/nonexistent/nix-instantiate)"},
		{name: "cli nix-instantiate a directory", args: []string{"check", "app.nix", "--nix-instantiate", "/etc"}, code: 2, want: "nix-instantiate not found (/etc)"},
		{name: "cli nix-store missing", args: []string{"build", "app.nix", "--nix-store", "/nonexistent/nix-store"}, code: 2, want: "nix-store not found (/nonexistent/nix-store)", not: "--nix-instantiate"},
		{name: "chart remote not locked", files: map[string]string{"app.nix": `{ kubenix }: { c = kubenix.helm.chart { chart = kubenix.helm.fetch { repo = "https://charts.example.com"; chart = "redis"; version = "18.0.0"; }; name = "x"; namespace = "default"; }; }`}, args: []string{"check", "app.nix"}, code: 2, want: "redis 18.0.0 from https://charts.example.com is not in kubenix.lock; run: kubenix helm add https://charts.example.com redis --version 18.0.0", not: "function arguments"},
		{name: "cli image-field bad path", args: []string{"check", "app.nix", "--image-field", "Widget:spec..image"}, code: 2, want: `--image-field "Widget:spec..image": expected Kind:path`},
		{name: "cli image-field leading dot", args: []string{"eval", "app.nix", "--image-field", "Widget:.spec.image"}, code: 2, want: `--image-field "Widget:.spec.image": expected Kind:path`},
		{name: "cli sensitive-kind empty", args: []string{"check", "app.nix", "--sensitive-kind", ""}, code: 2, want: `--sensitive-kind "": expected a KIND`},
		{name: "cli sensitive-kind with space", args: []string{"eval", "app.nix", "--sensitive-kind", "Sealed Secret"}, code: 2, want: `--sensitive-kind "Sealed Secret": expected a KIND`},
		{name: "cli explain unknown resource", args: []string{"explain", "gadgets"}, code: 2, want: "no resource \"gadgets\" in Kubernetes 1.37"},
		{name: "cli explain unknown field", args: []string{"explain", "deployment.spec.nope"}, code: 2, want: "field \"spec.nope\" does not exist in Deployment"},
		{name: "cli explain bad api-version", args: []string{"explain", "deployment", "--api-version", "nope/v9"}, code: 2, want: "no resource \"deployment\" in Kubernetes 1.37 at nope/v9"},
		{name: "cli explain kube-version", args: []string{"explain", "deployment", "--kube-version", "x"}, code: 2, want: "no schemas for Kubernetes x; kubenix knows"},
		{name: "cli explain control chars", args: []string{"explain", "pod\x1b[2J"}, code: 2, want: "\"pod\\x1b[2J\" is not a RESOURCE[.FIELD...]"},
		{name: "cli apply dry-run bogus", args: []string{"apply", "--dry-run", "bogus", "--kubectl", "/bin/true"}, code: 2, want: "--dry-run takes server (or none), not \"bogus\""},
		{name: "cli secrets encrypt no recipient", files: map[string]string{"s.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: a, namespace: default}\nstringData: {p: x}\n"}, args: []string{"secrets", "encrypt", "s.yaml"}, code: 2, want: "give the recipients with --age"},
		{name: "cli secrets view to a pipe", args: []string{"secrets", "view", "cm.yaml"}, code: 2, want: "prints decrypted values to a terminal only"},
		{name: "cli images lock missing file", args: []string{"images", "lock", "gone.nix"}, code: 2, want: "gone.nix: no such file"},
		{name: "cli images push with nothing to push", args: []string{"images", "push", "app.nix"}, code: 2, want: "the build has no Nix-built images (kubenix.image) to push"},
		{name: "cli version extra arg", args: []string{"version", "extra"}, code: 2, want: "kubenix version takes no arguments"},
		// Flags checked before any work: no network, no image read, nothing run.
		{name: "cli helm add bad version", args: []string{"helm", "add", "https://charts.invalid", "redis", "--version", "not..a..version"}, code: 2, want: `--version "not..a..version" is not a version or version range`, not: "cannot reach"},
		{name: "cli helm update unknown key after a known one", files: map[string]string{"kubenix.lock": `{"version": 1, "charts": {"http://127.0.0.1:9/c@1": {"repo": "http://127.0.0.1:9", "chart": "c", "constraint": "1", "version": "1", "url": "http://127.0.0.1:9/c-1.tgz", "sha256": "` + strings.Repeat("a", 64) + `"}}}`}, args: []string{"helm", "update", "http://127.0.0.1:9/c@1", "zz/typo@1"}, code: 2, want: "zz/typo@1 is not in kubenix.lock", not: "127.0.0.1:9"},
		{name: "cli helm add ftp repo", args: []string{"helm", "add", "ftp://charts.invalid", "redis", "--version", "1.0.0"}, code: 2, want: `repository "ftp://charts.invalid": kubenix fetches charts over https, http or oci, not "ftp"`, not: "cannot reach"},
		{name: "cli helm add file repo", args: []string{"helm", "add", "file:///etc", "passwd", "--version", "1.0.0"}, code: 2, want: `kubenix fetches charts over https, http or oci, not "file"`, not: "cannot reach"},
		{name: "cli registry serve bad port", args: []string{"registry", "serve", "--addr", "127.0.0.1:99999", "gone"}, code: 2, want: `--addr "127.0.0.1:99999": the port "99999" is not a number from 0 to 65535`},
		{name: "cli registry serve no port", args: []string{"registry", "serve", "--addr", "localhost", "gone"}, code: 2, want: `--addr "localhost": expected HOST:PORT`},
		{name: "cli apply kubectl missing", args: []string{"apply", "gone", "--kubectl", "/nonexistent/kubectl"}, code: 2, want: "--kubectl /nonexistent/kubectl: no such file", not: "no such result"},
		{name: "cli apply kubectl a directory", files: map[string]string{"r/a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n"}, args: []string{"apply", "r", "--kubectl", "/etc"}, code: 2, want: "--kubectl /etc: a directory"},
		{name: "cli arg does not parse", args: []string{"check", "app.nix", "--arg", "x", "{"}, code: 2, want: `--arg x "{": not a Nix expression kubenix can pass: syntax error, unexpected end of file`},
		{name: "cli arg undefined variable", files: map[string]string{"x.nix": "{ kubenix, a, b }: {}\n"}, args: []string{"check", "x.nix", "--arg", "a", "1", "--arg", "b", "nope"}, code: 2, want: `--arg b "nope": not a Nix expression kubenix can pass: undefined variable 'nope'`, not: "--arg a"},
		{name: "cli nix-instantiate not nix", args: []string{"check", "app.nix", "--nix-instantiate", "/bin/echo"}, code: 2, want: `--nix-instantiate /bin/echo is not nix-instantiate: asked its --version, it says "echo (GNU coreutils)`},
		// YAML the conversion refuses: at the line of the node, one error each.
		{name: "yaml merge of a scalar", files: map[string]string{"x.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\ndata:\n  <<: 5\n"}, args: []string{"check", "x.yaml"}, code: 1, want: "x.yaml:5:7: error: the value of a merge key (<<) must be a mapping, or a list of mappings"},
		{name: "yaml binary not base64", files: map[string]string{"x.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\nbinaryData:\n  x: !!binary 12\n"}, args: []string{"check", "x.yaml"}, code: 1, want: `x.yaml:5:6: error: !!binary "12" is not base64`},
		{name: "yaml metadata a string", files: map[string]string{"x.yaml": "apiVersion: v1\nkind: ConfigMap\n\nmetadata: a\n"}, args: []string{"check", "x.yaml"}, code: 1, want: `x.yaml:4:1: error: ConfigMap/?: metadata: metadata must be an attrset, found a string ("a")`},
		{name: "yaml undefined alias", files: map[string]string{"x.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\ndata:\n  x: *nope\n"}, args: []string{"check", "x.yaml"}, code: 1, want: "x.yaml:5:6: error: YAML: yaml: unknown anchor 'nope' referenced"},
		{name: "yaml flow map where a string belongs", files: map[string]string{"x.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\ndata: {x: {y: z}}\n"}, args: []string{"check", "x.yaml"}, code: 1, want: "x.yaml:4:8: error: ConfigMap/default/a: data.x: Invalid value: \"object\"", not: "data.x.true"},
		{name: "yaml infinite float", files: map[string]string{"x.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\nspec:\n  x: .inf\n"}, args: []string{"check", "x.yaml"}, code: 1, want: "x.yaml:5:6: error: a float that is not a finite number (.inf)"},
		// Values JSON cannot carry: exit 1 where the user wrote them.
		{name: "nix infinite float", files: map[string]string{"x.nix": nixObj("    spec.x = 1.0e308 * 10.0;")}, args: []string{"check", "x.nix"}, code: 1, want: "x.nix:4:5: error: a float that is not a finite number (inf)"},
		{name: "nix infinite float in build", files: map[string]string{"x.nix": nixObj("    spec.x = -1.0e308 * 10.0;")}, args: []string{"build", "x.nix", "--no-out-link"}, code: 1, want: "x.nix:4:5: error: a float that is not a finite number (-inf)"},
		{name: "nix nested 20000 levels", files: map[string]string{"x.nix": "{ kubenix }:\nlet f = n: if n == 0 then \"x\" else { a = f (n - 1); };\nin { o = { apiVersion = \"v1\"; kind = \"ConfigMap\"; metadata.name = \"a\"; data.x = f 20000; }; }\n"}, args: []string{"check", "x.nix"}, code: 1, want: "x.nix:2:38: error: the value is nested more than 10000 levels deep"},
		{name: "chart values a number", files: map[string]string{"app.nix": "{ kubenix }: {\n  c = kubenix.helm.chart { chart = ./c; name = \"x\"; namespace = \"default\";\n    values = 5; };\n}\n", "c/Chart.yaml": chartYAML}, args: []string{"check", "app.nix"}, code: 1, want: "app.nix:3:5: error: kubenix.helm.chart: values must be an attribute set, found a value of type int", not: "unmarshal"},
		{name: "nix null as the whole value", files: map[string]string{"x.nix": "{ kubenix }: null\n"}, args: []string{"check", "x.nix"}, code: 1, want: "x.nix: error: expected a Kubernetes object (an attrset with apiVersion and kind), or an attrset or list of them; found null as the whole value"},
		{name: "from-json null", files: map[string]string{"t.json": "null"}, args: []string{"build", "--from-json", "t.json", "--no-out-link"}, code: 1, want: "t.json: error: expected a Kubernetes object"},
		{name: "nix derivation in data", files: map[string]string{"x.nix": nixObj("    data.x = \"${derivation { name = \"x\"; system = builtins.currentSystem; builder = \"/bin/sh\"; }}\";")}, args: []string{"build", "x.nix", "--out-dir", "out"}, code: 1, want: "x.nix:4:5: error: ConfigMap/default/a: data.x: the value holds /nix/store/", absent: "out"},
		// Signals: a long evaluation stops promptly, exit 2, nothing written.
		{name: "signal check SIGINT", files: slowNix, args: []string{"check", "slow.nix"}, signal: syscall.SIGINT, code: 2, want: "interrupted"},
		{name: "signal check SIGTERM", files: slowNix, args: []string{"check", "slow.nix"}, signal: syscall.SIGTERM, code: 2, want: "interrupted"},
		{name: "signal eval SIGINT", files: slowNix, args: []string{"eval", "slow.nix"}, signal: syscall.SIGINT, code: 2, want: "interrupted"},
		{name: "signal build SIGINT", files: slowNix, args: []string{"build", "slow.nix"}, signal: syscall.SIGINT, code: 2, want: "interrupted", absent: "result"},
		{name: "signal build out-dir SIGTERM", files: slowNix, args: []string{"build", "slow.nix", "--out-dir", "out"}, signal: syscall.SIGTERM, code: 2, want: "interrupted", absent: "out"},
		{name: "signal diff SIGINT", files: slowNix, args: []string{"diff", "cm.yaml", "slow.nix"}, signal: syscall.SIGINT, code: 2, want: "interrupted"},
		{name: "signal images SIGTERM", files: slowNix, args: []string{"images", "slow.nix"}, signal: syscall.SIGTERM, code: 2, want: "interrupted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.signal == 0 { // a slow evaluation takes memory: one at a time
				t.Parallel()
			}
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "app.nix"), tinyApp)
			writeFile(t, filepath.Join(dir, "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n")
			for name, content := range tc.files {
				os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
				writeFile(t, filepath.Join(dir, name), content)
			}
			switch tc.name { // fixtures a string cannot hold
			case "chart symlinked templates dir":
				os.Symlink("/etc", filepath.Join(dir, "c", "templates"))
			case "chart symlink to parent":
				os.MkdirAll(filepath.Join(dir, "c", "templates"), 0o755)
				os.Symlink("../../secret.yaml", filepath.Join(dir, "c", "templates", "s.yaml"))
			case "result diff symlink to /dev/zero":
				os.MkdirAll(filepath.Join(dir, "new"), 0o755)
				os.Symlink("/dev/zero", filepath.Join(dir, "new", "z.yaml"))
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], tc.args...)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "KUBENIX_TEST_AS_MAIN=1", "XDG_CACHE_HOME="+cache, "NO_COLOR=1", "EDITOR=/bin/false")
			var buf strings.Builder
			cmd.Stdout, cmd.Stderr = &buf, &buf
			err := cmd.Start()
			if err == nil && tc.signal != 0 {
				// Once it has started Nix, main has installed its
				// handler: a fixed sleep raced start-up under load.
				startedChild(cmd.Process.Pid, 20*time.Second)
				cmd.Process.Signal(tc.signal)
			}
			if err == nil {
				err = cmd.Wait()
			}
			out := buf.String()
			var exit *exec.ExitError
			if err != nil && !errors.As(err, &exit) {
				t.Fatal(err)
			}
			if ctx.Err() != nil {
				t.Fatalf("hung for 30 s:\n%s", out)
			}
			code := cmd.ProcessState.ExitCode()
			if code != tc.code || !strings.Contains(string(out), tc.want) {
				t.Errorf("exit %d, want %d and %q in:\n%s", code, tc.code, tc.want, out)
			}
			if tc.not != "" && strings.Contains(out, tc.not) {
				t.Errorf("%q in:\n%s", tc.not, out)
			}
			if tc.absent != "" {
				if _, err := os.Lstat(filepath.Join(dir, tc.absent)); err == nil {
					t.Errorf("%s written by an interrupted command", tc.absent)
				}
			}
			if strings.Contains(string(out), "goroutine ") || strings.Contains(string(out), "panic:") {
				t.Errorf("a crash:\n%s", out)
			}
		})
	}
}
