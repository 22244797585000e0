package secrets_test

import (
	"strings"
	"testing"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/manifest"
	"github.com/kubenix/kubenix/secrets"
)

func object(apiVersion, kind string, body map[string]any) *manifest.Object {
	body["apiVersion"], body["kind"] = apiVersion, kind
	body["metadata"] = map[string]any{"name": "db", "namespace": "shop"}
	return &manifest.Object{APIVersion: apiVersion, Kind: kind, Name: "db", Namespace: "shop", Body: body}
}

func TestGuard(t *testing.T) {
	objs := []*manifest.Object{
		object("v1", "Secret", map[string]any{"stringData": map[string]any{"b": "x1", "a": "x2", "empty": ""}, "data": map[string]any{"t": "eDM="}}),
		object("v1", "Secret", map[string]any{"stringData": map[string]any{"empty": ""}}),
		object("v1", "ConfigMap", map[string]any{"data": map[string]any{"k": "v"}}),
		object("example.com/v1", "Vault", map[string]any{"data": map[string]any{"k": "v"}}),
	}
	got := secrets.Guard(objs, secrets.Options{SensitiveKinds: []string{"example.com/Vault"}})
	var summary []string
	for i, l := range got {
		for _, d := range l {
			summary = append(summary, string(d.Severity)+" "+objs[i].Kind+" "+d.Field+" "+d.Message[:strings.Index(d.Message, ")")+1])
		}
	}
	want := []string{
		"error Secret data.t Secret in plain text (data key t)",
		"error Secret stringData.a Secret in plain text (stringData keys a, b)",
		"error Vault data.k Vault in plain text (data key k)",
	}
	if strings.Join(summary, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(summary, "\n"), strings.Join(want, "\n"))
	}
	got = secrets.Guard(objs[:1], secrets.Options{AllowPlaintext: true})
	if len(got[0]) != 2 || got[0][0].Severity != diag.Warning {
		t.Errorf("AllowPlaintext: %v", got[0])
	}
}

func TestRedactAndScrub(t *testing.T) {
	o := object("v1", "Secret", map[string]any{"stringData": map[string]any{"password": "hunter2", "e": ""}, "data": map[string]any{"token": "aHVudGVyMw=="}})
	body := secrets.Redact(o, secrets.Options{})
	if sd := body["stringData"].(map[string]any); sd["password"] != secrets.Hidden || sd["e"] != "" {
		t.Errorf("redacted: %v", body)
	}
	if o.Body["stringData"].(map[string]any)["password"] != "hunter2" {
		t.Error("Redact changed the object")
	}
	l := secrets.Scrub(o, diag.List{
		{Field: "data.token", Message: `Invalid value: "aHVudGVyMw==": not hunter3`},
		{Field: "metadata.name", Message: "the word hunter2 is long enough; 'a' is not hidden"},
	}, secrets.Options{})
	for _, d := range l {
		if strings.Contains(d.Message, "hunter") || strings.Contains(d.Message, "aHVudGVy") {
			t.Errorf("not scrubbed: %s", d.Message)
		}
	}
	if !strings.Contains(l[1].Message, "'a' is not hidden") {
		t.Errorf("scrubbed too much: %s", l[1].Message)
	}
	cm := object("v1", "ConfigMap", map[string]any{"data": map[string]any{"k": "hunter2"}})
	if secrets.Redact(cm, secrets.Options{})["data"].(map[string]any)["k"] != "hunter2" {
		t.Error("a ConfigMap was redacted")
	}
}
