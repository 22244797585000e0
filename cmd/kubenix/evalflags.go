package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/eval"
	"github.com/kubenix/kubenix/manifest"
	"github.com/kubenix/kubenix/pipeline"
	"github.com/kubenix/kubenix/schema"
	"github.com/kubenix/kubenix/secrets"
	"github.com/kubenix/kubenix/version"
)

// evalFlags are the flags of every command that evaluates a .nix file.
type evalFlags struct {
	args           []eval.Arg // --arg and --argstr, in command-line order
	include        []string
	nixInstantiate string
}

// argValue collects --arg/--argstr, which arrive as NAME=VALUE (see joinPairFlags).
type argValue struct {
	list *[]eval.Arg
	str  bool
}

func (v argValue) String() string { return "" }
func (v argValue) Type() string   { return "NAME VALUE" }
func (v argValue) Set(kv string) error {
	name, value, ok := strings.Cut(kv, "=")
	if !ok || name == "" {
		return fmt.Errorf("takes a NAME and a value, got %q", kv)
	}
	*v.list = append(*v.list, eval.Arg{Name: name, Value: value, String: v.str})
	return nil
}

func (f *evalFlags) register(fs *pflag.FlagSet) {
	fs.Var(argValue{&f.args, false}, "arg", "pass `NAME EXPR` to the file's function: a Nix expression (repeatable)")
	fs.Var(argValue{&f.args, true}, "argstr", "pass `NAME VALUE` to the file's function: a string (repeatable)")
	fs.StringArrayVarP(&f.include, "include", "I", nil, "add `PATH` (or prefix=PATH) to the Nix search path, as nix-instantiate -I does")
	fs.StringVar(&f.nixInstantiate, "nix-instantiate", "", "the nix-instantiate `PATH` to run (default: found on PATH)")
}

// checkFlags are the flags of every command that validates objects.
type checkFlags struct {
	kubeVersion        string
	namespace          string
	crds               []string
	allowUnknownKinds  bool
	allowUnknownFields bool
	lock               string
	strict             bool
	requirePinned      bool
	imageFields        []string
	imageRegistry      string
	allowPlaintext     bool
	sensitiveKinds     []string
}

func (f *checkFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.kubeVersion, "kube-version", "", "validate against `VERSION` of the Kubernetes API, e.g. 1.31 (default: the newest known, "+schema.DefaultVersion()+")")
	fs.StringVarP(&f.namespace, "namespace", "n", manifest.DefaultNamespace, "the `NAMESPACE` of namespaced objects that have none")
	fs.StringArrayVar(&f.crds, "crd", nil, "CustomResourceDefinitions to validate custom resources with: a `PATH` to a YAML/JSON file or a directory (repeatable)")
	fs.BoolVar(&f.allowUnknownKinds, "allow-unknown-kinds", false, "report objects of kinds no schema knows as warnings, not errors")
	fs.BoolVar(&f.allowUnknownFields, "allow-unknown-fields", false, "report fields the schema does not declare as warnings, not errors")
	fs.StringVar(&f.lock, "lock", "", "the kubenix.lock `PATH` pinning charts and images (default: the nearest kubenix.lock from the file's directory up)")
	fs.BoolVar(&f.strict, "strict", false, "make charts that render differently each time (random passwords, timestamps) an error")
	fs.BoolVar(&f.requirePinned, "require-pinned", false, "make an image reference that is not pinned to a digest an error")
	fs.StringArrayVar(&f.imageFields, "image-field", nil, "another place that holds an image reference, as `KIND:PATH` (Widget:spec.image, Job:spec.sidecars[].image; repeatable)")
	fs.StringVar(&f.imageRegistry, "image-registry", "localhost:5000", "the `REGISTRY` kubenix.image tags Nix-built images with")
	fs.BoolVar(&f.allowPlaintext, "allow-plaintext-secrets", false, "write Secrets with values in plain text, with a warning (refused by default: the result is readable by others)")
	fs.StringArrayVar(&f.sensitiveKinds, "sensitive-kind", nil, "another `KIND` (or group/Kind) whose data and stringData hold secrets, as a Secret's do (repeatable)")
}

// pipelineOptions combines the flags into pipeline.Options (without Eval).
func (f *checkFlags) pipelineOptions() pipeline.Options {
	return pipeline.Options{
		KubeVersion: f.kubeVersion, Namespace: f.namespace, CRDs: f.crds,
		AllowUnknownKinds: f.allowUnknownKinds, AllowUnknownFields: f.allowUnknownFields,
		Lock: f.lock, Strict: f.strict,
		RequirePinned: f.requirePinned, ImageFields: f.imageFields, ImageRegistry: f.imageRegistry,
		Secrets: secrets.Options{AllowPlaintext: f.allowPlaintext, SensitiveKinds: f.sensitiveKinds},
	}
}

// evaluates reports whether any flag that only evaluation uses was given.
func (f *evalFlags) evaluates() bool { return len(f.args) > 0 || len(f.include) > 0 }

// options builds eval.Options for file.
func (f *evalFlags) options(file string) (eval.Options, error) {
	opts := eval.Options{
		File:           file,
		SearchPath:     f.include,
		NixInstantiate: f.nixInstantiate,
		CacheDir:       cacheDir(),
		Version:        version.String(),
		Args:           f.args,
	}
	return opts, nil
}

// cacheDir is where kubenix keeps its materialised Nix library.
func cacheDir() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "kubenix")
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("kubenix-%d", os.Getuid()))
}

// joinPairFlags rewrites the two-value flags `--arg NAME EXPR` and
// `--argstr NAME VALUE` (Nix's spelling) into `--arg=NAME=EXPR`, which the
// flag parser understands. Everything after `--` is left alone.
func joinPairFlags(args []string) ([]string, error) {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(out, args[i:]...), nil
		}
		if a != "--arg" && a != "--argstr" {
			out = append(out, a)
			continue
		}
		if i+2 >= len(args) {
			what := "EXPR"
			if a == "--argstr" {
				what = "VALUE"
			}
			return nil, diag.Usagef("%s needs two values: NAME and %s", a, what)
		}
		out = append(out, a+"="+args[i+1]+"="+args[i+2])
		i += 2
	}
	return out, nil
}

// buildImages reads --images: tag (the default) or build.
func buildImages(mode string) (bool, error) {
	switch mode {
	case "build":
		return true, nil
	case "", "tag":
		return false, nil
	}
	return false, diag.Usagef("--images takes build (or tag, the default), not %q", mode)
}
