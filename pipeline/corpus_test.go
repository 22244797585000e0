package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/eval"
	"github.com/kubenix/kubenix/secrets"
)

// The validation corpus: schema/testdata/corpus/*.yaml, each a manifest with
// its expected verdict in header comments:
//
//	# expect: valid                      no errors
//	# expect: REASON FIELD               this error (all of them, exactly)
//	# expect: error-any                  at least one error
//	# warn: REASON FIELD                 this warning
//	# kube-version: 1.30                 target version
//	# allow-unknown-kinds
type corpusCase struct {
	file              string
	valid, anyError   bool
	errors, warnings  []string
	kubeVersion       string
	allowUnknownKinds bool
}

func readCorpus(t *testing.T) []corpusCase {
	files, err := filepath.Glob(filepath.Join("..", "schema", "testdata", "corpus", "*.yaml"))
	if err != nil || len(files) < 60 {
		t.Fatalf("corpus: %d files, %v", len(files), err)
	}
	var out []corpusCase
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c := corpusCase{file: f}
		for _, line := range strings.Split(string(b), "\n") {
			if !strings.HasPrefix(line, "# ") {
				break
			}
			key, val, _ := strings.Cut(strings.TrimPrefix(line, "# "), ":")
			val = strings.TrimSpace(val)
			switch key {
			case "expect":
				switch val {
				case "valid":
					c.valid = true
				case "error-any":
					c.anyError = true
				default:
					c.errors = append(c.errors, val)
				}
			case "warn":
				c.warnings = append(c.warnings, val)
			case "kube-version":
				c.kubeVersion = val
			case "allow-unknown-kinds":
				c.allowUnknownKinds = true
			}
		}
		if !c.valid && !c.anyError && len(c.errors) == 0 {
			t.Fatalf("%s: no expectation", f)
		}
		out = append(out, c)
	}
	return out
}

func TestValidationCorpus(t *testing.T) {
	for _, c := range readCorpus(t) {
		t.Run(strings.TrimSuffix(filepath.Base(c.file), ".yaml"), func(t *testing.T) {
			opts := Options{KubeVersion: c.kubeVersion, Namespace: "default", AllowUnknownKinds: c.allowUnknownKinds,
				Secrets: secrets.Options{AllowPlaintext: true}}
			res, err := CheckPaths(context.Background(), opts, func(string) (eval.Options, error) { return eval.Options{}, nil }, []string{c.file})
			if err != nil {
				t.Fatal(err)
			}
			var errs, warns []string
			for _, d := range res.Diagnostics {
				if d.Reason == secrets.ReasonPlaintext {
					continue // the corpus is about the API server's validation
				}
				pair := d.Reason + " " + d.Field
				if d.Severity == diag.Error {
					errs = append(errs, pair)
				} else {
					warns = append(warns, pair)
				}
				if d.Pos.Line == 0 {
					t.Errorf("no line for %s %s: %s", d.Reason, d.Field, d.Message)
				}
			}
			slices.Sort(errs)
			errs = slices.Compact(errs) // one field may fail in several ways
			want := slices.Clone(c.errors)
			slices.Sort(want)
			switch {
			case c.anyError:
				if len(errs) == 0 {
					t.Errorf("expected errors, got none")
				}
			case !slices.Equal(errs, want):
				t.Errorf("errors:\n got %q\nwant %q\n%s", errs, want, dump(res.Diagnostics))
			}
			for _, w := range c.warnings {
				if !slices.Contains(warns, w) {
					t.Errorf("missing warning %q; warnings: %q", w, warns)
				}
			}
			if len(c.warnings) == 0 && len(warns) > 0 {
				t.Errorf("unexpected warnings %q", warns)
			}
		})
	}
}

func dump(l diag.List) string {
	var b strings.Builder
	for _, d := range l {
		b.WriteString("  " + d.Pos.String() + " " + string(d.Severity) + " " + d.Object + " " + d.Field + " [" + d.Reason + "] " + d.Message + "\n")
	}
	return b.String()
}
