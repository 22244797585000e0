package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// canary is a Secret value that must appear in nothing kubenix prints or
// keeps, unless asked to write it (--allow-plaintext-secrets) or show it
// (eval --show-secrets).
const canary = "hunter2-canary-7f3a"

// plaintextApp writes an app with a Secret in plain text (a stringData
// value, a data value that is not even base64), and a chart rendering one.
func plaintextApp(t *testing.T, dir string) string {
	t.Helper()
	chart := filepath.Join(dir, "chart")
	if err := os.MkdirAll(filepath.Join(chart, "templates"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(chart, "Chart.yaml"), "apiVersion: v2\nname: withsecret\nversion: 0.1.0\n")
	writeFile(t, filepath.Join(chart, "templates", "secret.yaml"),
		"apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ .Release.Name }}-auth\nstringData:\n  token: {{ .Values.token | quote }}\n")
	app := filepath.Join(dir, "app.nix")
	writeFile(t, app, `{ kubenix, ... }: {
  db = {
    apiVersion = "v1"; kind = "Secret";
    metadata.name = "db";
    stringData.password = "`+canary+`";
    stringData.empty = "";
  };
  chart = kubenix.helm.chart { chart = ./chart; name = "rel"; values.token = "`+canary+`"; };
}
`)
	return app
}

func assertNoCanary(t *testing.T, what string, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(s, canary) {
			t.Errorf("%s shows the secret value:\n%s", what, s)
		}
	}
}

func assertNoCanaryUnder(t *testing.T, dir string) {
	t.Helper()
	if _, err := os.Stat(dir); err != nil {
		return
	}
	for name, content := range readTree(t, dir) {
		assertNoCanary(t, filepath.Join(dir, name), content)
	}
}

// A plaintext Secret stops the build, with the object, the keys and the
// place, and its value in no output, no result and no cache.
func TestPlaintextSecretRefused(t *testing.T) {
	requireNix(t)
	dir := t.TempDir()
	app := plaintextApp(t, dir)
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Chdir(dir)
	var out, errb strings.Builder
	code := run(t.Context(), []string{"build", app, "--timings"}, &out, &errb)
	if code != 1 {
		t.Fatalf("build: exit %d, want 1\n%s", code, errb.String())
	}
	for _, want := range []string{
		"app.nix:5:5: error: Secret/default/db: stringData.password: Secret in plain text (stringData key password)",
		"Secret/default/rel-auth",
		"(stringData key token)",
		"kubenix.secrets.sops",
		"--allow-plaintext-secrets",
	} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb.String())
		}
	}
	assertNoCanary(t, "build", out.String(), errb.String())
	if _, err := os.Lstat(filepath.Join(dir, "result")); err == nil {
		t.Error("a refused build left a result")
	}

	out.Reset()
	errb.Reset()
	code = run(t.Context(), []string{"build", app, "--out-dir", "out", "--format", "json"}, &out, &errb)
	if code != 1 || !strings.Contains(out.String()+errb.String(), `"reason": "PlaintextSecret"`) {
		t.Errorf("build --format json: exit %d\n%s%s", code, out.String(), errb.String())
	}
	assertNoCanary(t, "build --format json", out.String(), errb.String())
	if _, err := os.Stat(filepath.Join(dir, "out")); err == nil {
		t.Error("a refused build wrote the out dir")
	}

	// Allowed: written, with a warning that still does not show the value.
	out.Reset()
	errb.Reset()
	code = run(t.Context(), []string{"build", app, "--out-dir", "out", "--allow-plaintext-secrets", "--timings"}, &out, &errb)
	if code != 0 || !strings.Contains(errb.String(), "warning: Secret/default/db: stringData.password: Secret in plain text (stringData key password)") {
		t.Fatalf("build --allow-plaintext-secrets: exit %d\n%s", code, errb.String())
	}
	assertNoCanary(t, "build --allow-plaintext-secrets", out.String(), errb.String())
	if tree := readTree(t, filepath.Join(dir, "out")); !strings.Contains(strings.Join(mapValues(tree), ""), canary) {
		t.Errorf("--allow-plaintext-secrets did not write the Secret: %v", keys(tree))
	}

	// The chart's render held a plaintext Secret: it is not cached.
	assertNoCanaryUnder(t, filepath.Join(cache, "kubenix"))

	// check warns; eval hides the values unless asked.
	out.Reset()
	errb.Reset()
	code = run(t.Context(), []string{"check", app}, &out, &errb)
	if code != 0 || !strings.Contains(out.String(), "warning: Secret/default/db: stringData.password: Secret in plain text") || !strings.Contains(out.String(), "kubenix build refuses it unless --allow-plaintext-secrets") {
		t.Errorf("check: exit %d\n%s%s", code, out.String(), errb.String())
	}
	assertNoCanary(t, "check", out.String(), errb.String())
	for _, format := range []string{"yaml", "json"} {
		out.Reset()
		errb.Reset()
		code = run(t.Context(), []string{"eval", app, "-o", format}, &out, &errb)
		if code != 0 || !strings.Contains(out.String(), "(hidden)") {
			t.Errorf("eval -o %s: exit %d\n%s%s", format, code, out.String(), errb.String())
		}
		assertNoCanary(t, "eval -o "+format, out.String(), errb.String())
	}
	out.Reset()
	code = run(t.Context(), []string{"eval", app, "--show-secrets"}, &out, &errb)
	if code != 0 || !strings.Contains(out.String(), "password: "+canary) {
		t.Errorf("eval --show-secrets: exit %d\n%s", code, out.String())
	}
	assertNoCanaryUnder(t, filepath.Join(cache, "kubenix"))
}

// A validator's message that would quote a secret value (data that is not
// base64) shows it hidden.
func TestSecretValueHiddenInValidationErrors(t *testing.T) {
	requireNix(t)
	dir := t.TempDir()
	app := filepath.Join(dir, "app.nix")
	writeFile(t, app, `{
  apiVersion = "v1"; kind = "Secret";
  metadata.name = "db";
  data.password = "`+canary+` is not base64";
}
`)
	for _, args := range [][]string{
		{"build", app, "--allow-plaintext-secrets", "--out-dir", "out"},
		{"build", app, "--allow-plaintext-secrets", "--out-dir", "out", "--format", "json"},
		{"check", app, "--format", "json"},
	} {
		r := kubenix(t, dir, args...)
		if r.code != 1 || !strings.Contains(r.stdout+r.stderr, "data.password") {
			t.Errorf("%v: exit %d, want 1 naming data.password\n%s%s", args, r.code, r.stdout, r.stderr)
		}
		assertNoCanary(t, strings.Join(args[:1], " "), r.stdout, r.stderr)
	}
}

// Objects of a kind given with --sensitive-kind are held to the same rule.
func TestSensitiveKind(t *testing.T) {
	requireNix(t)
	dir := t.TempDir()
	app := filepath.Join(dir, "app.nix")
	writeFile(t, app, `{
  apiVersion = "v1"; kind = "ConfigMap";
  metadata.name = "creds";
  data.token = "`+canary+`";
}
`)
	kubenix(t, dir, "build", app, "--out-dir", "plain").mustSucceed(t)
	r := kubenix(t, dir, "build", app, "--out-dir", "out", "--sensitive-kind", "ConfigMap")
	if r.code != 1 || !strings.Contains(r.stderr, "ConfigMap in plain text (data key token)") {
		t.Errorf("--sensitive-kind ConfigMap: exit %d\n%s", r.code, r.stderr)
	}
	assertNoCanary(t, "build --sensitive-kind", r.stdout, r.stderr)
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// An app that keeps only a reference to a secret managed elsewhere (a
// Secrets Store CSI SecretProviderClass and a Pod mounting it) is checked
// against its CRD like any object: it passes, and a wrong type or an
// unknown field is an error at its line in the .nix file.
func TestSecretReferenceChecked(t *testing.T) {
	requireNix(t)
	dir, _ := filepath.Abs(filepath.Join("testdata", "references"))
	crd := filepath.Join(dir, "secretproviderclass-crd.yaml")
	r := kubenix(t, "", "check", filepath.Join(dir, "app.nix"), "--crd", crd)
	if r.code != 0 || !strings.Contains(r.stdout, "2 objects checked: 0 errors, 0 warnings") {
		t.Errorf("reference app: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	app, err := os.ReadFile(filepath.Join(dir, "app.nix"))
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.NewReplacer(`provider = "vault";`, `provider = 42;`, "      parameters = {", "      parameter = {").Replace(string(app))
	bad := filepath.Join(t.TempDir(), "broken.nix")
	writeFile(t, bad, broken)
	r = kubenix(t, "", "check", bad, "--crd", crd)
	for _, want := range []string{
		"broken.nix:9:7: error: SecretProviderClass/shop/vault-db: spec.provider: Invalid value: \"integer\": spec.provider in body must be of type string",
		"broken.nix:10:7: error: SecretProviderClass/shop/vault-db: spec.parameter: unknown field",
	} {
		if r.code != 1 || !strings.Contains(r.stdout, want) {
			t.Errorf("broken reference app: exit %d, want %q\n%s%s", r.code, want, r.stdout, r.stderr)
		}
	}
}
