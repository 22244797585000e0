package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// versionDifference is a rule kube-apiserver of an older version applies
// otherwise than the linked release's code that kubenix runs for every
// --kube-version (the feature gates do follow --kube-version; see
// schema/native). The README lists them ("Validation").
type versionDifference struct {
	name    string
	version string // the server version that differs ("1.36")
	src     string // one object, in namespace default
	// What each says there: "" accepts, else the field of its error.
	kubenix, server string
	why             string
	// Where kubenix rejects and the server accepts: the fields of
	// kubenix's errors this rule makes, in any object, so that the
	// differential test counts such mutants with the deliberate ones.
	fields *regexp.Regexp
}

var versionDifferences = []versionDifference{
	{
		name:    "image volume without a reference in a template",
		version: "1.36",
		src: `apiVersion: apps/v1
kind: Deployment
metadata: {name: image-volume, namespace: default}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27"}]
      volumes: [{name: data, image: {reference: ""}}]
`,
		kubenix: "spec.template.spec.volumes[0].image.reference",
		server:  "",
		why:     "1.36 requires an image volume's reference in Pods only; 1.37 in Pod templates too",
		fields:  regexp.MustCompile(`\.template\.spec\.volumes\[\d+\]\.image\.reference$`),
	},
	{
		name:    "shareProcessNamespace with hostPID",
		version: "1.36",
		src: `apiVersion: apps/v1
kind: Deployment
metadata: {name: share-pid, namespace: default}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      hostPID: true
      shareProcessNamespace: true
      containers: [{name: web, image: "nginx:1.27"}]
`,
		kubenix: "spec.template.spec.shareProcessNamespace",
		server:  "spec.template.spec.securityContext.shareProcessNamespace",
		why:     "the same rule; 1.36 names the field of its internal type, 1.37 the one you wrote",
	},
}

// versionDifferenceOf says which listed difference with the test server's
// version makes kubenix reject a mutant the server accepts, or "".
func versionDifferenceOf(kubenixFields []string) string {
	for _, d := range versionDifferences {
		if d.version != serverVersion.version || d.fields == nil {
			continue
		}
		for _, f := range kubenixFields {
			if d.fields.MatchString(f) {
				return "Kubernetes " + d.version + ": " + d.why
			}
		}
	}
	return ""
}

// The documented differences between the linked rules and an older API
// server, checked against the test server: on the version they are listed
// for, kubenix and the server differ exactly as written; on any other, they
// agree. So the README's list stays true (make difftest runs this against
// 1.37 and 1.36).
func TestVersionDifferencesAgainstServer(t *testing.T) {
	needCluster(t)
	version := serverKubeVersion(t)
	work := t.TempDir()
	for _, d := range versionDifferences {
		t.Run(d.name, func(t *testing.T) {
			if d.fields != nil && !d.fields.MatchString(d.kubenix) {
				t.Errorf("the pattern %s does not match the listed field %s", d.fields, d.kubenix)
			}
			f := filepath.Join(work, strings.ReplaceAll(d.name, " ", "-")+".yaml")
			if err := os.WriteFile(f, []byte(d.src), 0o644); err != nil {
				t.Fatal(err)
			}
			k := kubenix(t, work, "check", "--kube-version", version, f)
			if k.code > 1 {
				t.Fatalf("kubenix check: exit %d\n%s%s", k.code, k.stdout, k.stderr)
			}
			s := kubectl(t, "create", "--dry-run=server", "-o", "name", "-f", f)
			kubenixSays, serverSays := verdictAt(k.code, k.stdout, d.kubenix), verdictAt(s.code, s.stderr, d.server)
			if version == d.version {
				if kubenixSays != "as listed" || serverSays != "as listed" {
					t.Errorf("listed for %s (%s): kubenix %s, server %s\nkubenix: %s\nserver: %s", d.version, d.why,
						kubenixSays, serverSays, strings.TrimSpace(k.stdout), strings.TrimSpace(s.stderr))
				}
				return
			}
			// Any other version: the same verdict, at the same field.
			if (k.code == 0) != (s.code == 0) || (k.code != 0 && verdictAt(s.code, s.stderr, d.kubenix) != "as listed") {
				t.Errorf("on %s kubenix and the server should agree\nkubenix: %s\nserver: %s", version,
					strings.TrimSpace(k.stdout), strings.TrimSpace(s.stderr))
			}
		})
	}
}

// verdictAt says whether a verdict (exit code and output) is the one listed:
// acceptance for "", else a rejection naming that field.
func verdictAt(code int, out, field string) string {
	switch {
	case field == "" && code == 0, field != "" && code != 0 && strings.Contains(out, " "+field+": "):
		return "as listed"
	case code == 0:
		return "accepts"
	}
	return "rejects otherwise: " + strings.TrimSpace(out)
}
