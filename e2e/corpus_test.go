package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// deliberate lists the corpus cases where kubenix and the API server are
// meant to disagree, and why. Every other disagreement fails the test.
var deliberate = map[string]string{
	"084-namespace-on-cluster-scoped":      "the server drops a namespace on a cluster-scoped object without a word; kubenix rejects it, so the manifest says what the cluster holds",
	"137-cluster-scoped-cr-with-namespace": "the same for a cluster-scoped custom resource",
	"106-unknown-kind-allowed":             "--allow-unknown-kinds: the user asked kubenix to pass kinds it has no schema for, and this server has no such kind",
	"107-beta-version-deprecated-warning":  "a beta version is served only where the cluster enables it (--runtime-config); kubenix cannot know the cluster's flags, so it warns",
	"110-yaml-duplicate-key":               "kubectl keeps the last of a key written twice, and the first is silently lost; kubenix rejects it",
}

// The validation corpus (schema/testdata/corpus) against the real API
// server: every case kubenix rejects, the server must reject, and every case
// kubenix accepts, the server must accept (kubectl apply --dry-run=server,
// after the namespaces exist; a case's CRDs are created for real first, in
// a group of the case's own).
func TestCorpusAgainstServer(t *testing.T) {
	needCluster(t)
	files, _ := filepath.Glob(filepath.Join(repoRoot(), "schema", "testdata", "corpus", "*.yaml"))
	if len(files) < 60 {
		t.Fatalf("corpus: %d files", len(files))
	}
	work := t.TempDir()
	for _, ns := range []string{"shop"} {
		if r := kubectl(t, "get", "namespace", ns); r.code != 0 {
			kubectl(t, "create", "namespace", ns).must(t, "create namespace")
		}
	}
	var report []string
	disagree := 0
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		src, _ := os.ReadFile(f)
		args := []string{"check", "--kube-version", serverKubeVersion(t), f}
		if strings.Contains(string(src), "\n# allow-unknown-kinds") || strings.HasPrefix(string(src), "# allow-unknown-kinds") {
			args = append(args, "--allow-unknown-kinds")
		}
		k := kubenix(t, work, args...)
		if k.code > 1 {
			t.Fatalf("%s: kubenix check: exit %d\n%s%s", name, k.code, k.stdout, k.stderr)
		}
		kubenixOK := k.code == 0
		serverOK, why := serverVerdict(t, work, name, string(src))
		line := fmt.Sprintf("%-45s kubenix %-8s server %-8s", name, verdict(kubenixOK), verdict(serverOK))
		if kubenixOK != serverOK {
			reason, known := deliberate[name]
			switch {
			case known:
				line += "  deliberate: " + reason
			default:
				disagree++
				line += "  DISAGREE"
				t.Errorf("%s: kubenix says %s, the API server says %s\n  kubenix: %s\n  server: %s", name, verdict(kubenixOK), verdict(serverOK),
					strings.TrimSpace(k.stdout), why)
			}
		} else if _, known := deliberate[name]; known {
			t.Errorf("%s is listed as a deliberate disagreement, but both now say %s: remove it from the list", name, verdict(kubenixOK))
		}
		report = append(report, line)
	}
	t.Logf("kubenix and kube-apiserver on %d cases, %d disagreements:\n%s", len(files), disagree, strings.Join(report, "\n"))
}

func verdict(ok bool) string {
	if ok {
		return "accepts"
	}
	return "rejects"
}

var (
	docSep   = regexp.MustCompile(`(?m)^---[ \t]*$`)
	crdKind  = regexp.MustCompile(`(?m)^kind:\s*CustomResourceDefinition\s*$`)
	comments = regexp.MustCompile(`(?m)^#.*$`)
)

// serverVerdict asks the API server. A case's CRDs get a group of their own
// (c<case>.example.com), so cases do not see each other's CRDs.
func serverVerdict(t *testing.T, work, name, src string) (bool, string) {
	var crds, rest []string
	for _, doc := range docSep.Split(src, -1) {
		if crdKind.MatchString(doc) {
			crds = append(crds, doc)
		} else {
			rest = append(rest, doc)
		}
	}
	if len(crds) > 0 {
		group := "c" + strings.SplitN(name, "-", 2)[0] + ".example.com"
		for i := range crds {
			crds[i] = strings.ReplaceAll(crds[i], "example.com", group)
		}
		for i := range rest {
			rest[i] = strings.ReplaceAll(rest[i], "example.com", group)
		}
		f := filepath.Join(work, name+"-crds.yaml")
		os.WriteFile(f, []byte(strings.Join(crds, "\n---\n")), 0o644)
		if r := kubectl(t, "apply", "-f", f); r.code != 0 {
			return false, strings.TrimSpace(r.stderr)
		}
		if r := kubectl(t, "wait", "--for=condition=Established", "--timeout=60s", "-f", f); r.code != 0 {
			return false, strings.TrimSpace(r.stderr)
		}
	}
	body := strings.Join(rest, "\n---\n")
	if strings.TrimSpace(comments.ReplaceAllString(strings.ReplaceAll(body, "---", ""), "")) == "" {
		return true, "only CRDs"
	}
	f := filepath.Join(work, name+".yaml")
	os.WriteFile(f, []byte(body), 0o644)
	r := kubectl(t, "apply", "--dry-run=server", "-f", f)
	if r.code != 0 {
		return false, strings.TrimSpace(r.stderr)
	}
	return true, strings.TrimSpace(r.stdout)
}
