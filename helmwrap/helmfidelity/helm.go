package helmfidelity

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// HelmBin is the helm CLI built from the same Helm module kubenix renders
// with (tools/helm): KUBENIX_HELM_BIN, or what scripts/helm-bin.sh builds
// (once; it is cached). repo is the repository's root.
func HelmBin(repo string) (string, error) {
	helmBin.once.Do(func() {
		if bin := os.Getenv("KUBENIX_HELM_BIN"); bin != "" {
			helmBin.path = bin
			return
		}
		var stderr bytes.Buffer
		cmd := exec.Command(filepath.Join(repo, "scripts", "helm-bin.sh"))
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			helmBin.err = fmt.Errorf("scripts/helm-bin.sh: %v\n%s", err, stderr.String())
			return
		}
		helmBin.path = strings.TrimSpace(string(out))
	})
	return helmBin.path, helmBin.err
}

var helmBin struct {
	once sync.Once
	path string
	err  error
}

// Template is what `helm template` is given.
type Template struct {
	Release, Chart, Namespace string
	ValuesFile                string // -f
	KubeVersion               string // 1.37
	APIVersions               []string
	IncludeCRDs, NoHooks      bool
	SkipTests                 bool
}

// Run runs helm template in a private Helm home (tmp); its error has
// helm's stderr.
func (o Template) Run(bin, tmp string) ([]byte, error) {
	args := []string{"template", o.Release, o.Chart, "--namespace", o.Namespace, "--kube-version", "v" + o.KubeVersion + ".0"}
	if o.ValuesFile != "" {
		args = append(args, "-f", o.ValuesFile)
	}
	if o.IncludeCRDs {
		args = append(args, "--include-crds")
	}
	if o.NoHooks {
		args = append(args, "--no-hooks")
	}
	if o.SkipTests {
		args = append(args, "--skip-tests")
	}
	for _, a := range o.APIVersions {
		args = append(args, "--api-versions", a)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+tmp, "HELM_CONFIG_HOME="+tmp, "HELM_DATA_HOME="+tmp)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}
