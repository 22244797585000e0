package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/eval"
	"github.com/kubenix/kubenix/internal/userfile"
)

// lockMayBeNew marks the commands that write --lock, for which a path
// that does not exist yet is a new lock; elsewhere it is a mistake.
const lockMayBeNew = "kubenix/lock-may-be-new"

// checkFlagValues validates the flags every command shares before any work
// starts, so a wrong value is reported once, at the flag, with exit 2:
// the diagnostics --format, the -n namespace, --crd and --lock paths, and
// that --nix-instantiate is one.
func checkFlagValues(cmd *cobra.Command, _ []string) error {
	var err error
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if err != nil {
			return
		}
		switch f.Name {
		case "format":
			if !slices.Contains(diag.Formats, f.Value.String()) {
				err = diag.Usagef("--format %q: want one of %s", f.Value.String(), strings.Join(diag.Formats, ", "))
			}
		case "namespace":
			if msgs := utilvalidation.IsDNS1123Label(f.Value.String()); len(msgs) > 0 {
				err = &diag.UsageError{Err: fmt.Errorf("--namespace %q is not a valid namespace: %s", f.Value.String(), strings.Join(msgs, "; "))}
			}
		case "crd":
			for _, p := range flagValues(f) {
				fi, serr := os.Stat(p)
				if serr == nil && !fi.IsDir() {
					var ue *userfile.Error
					if serr = userfile.Check(p, userfile.ManifestLimit); errors.As(serr, &ue) {
						serr = errors.New(ue.Reason)
					}
				}
				if serr != nil {
					err = &diag.UsageError{Err: fmt.Errorf("--crd %s: %s", p, reason(serr))}
					return
				}
			}
		case "sensitive-kind":
			for _, k := range flagValues(f) {
				if !kindName.MatchString(k) {
					err = diag.Usagef("--sensitive-kind %q: expected a KIND (SealedSecret) or group/Kind (bitnami.com/SealedSecret)", k)
					return
				}
			}
		case "image-registry":
			// Nix-built images are named REGISTRY/NAME:HASH: it must make references.
			if _, rerr := name.NewRepository(f.Value.String()+"/image", name.StrictValidation); rerr != nil || f.Value.String() == "" {
				err = diag.Usagef("--image-registry %q: expected a registry host, with an optional path (registry.example.com/team, localhost:5000)", f.Value.String())
			}
		case "nix-instantiate":
			err = eval.CheckNixInstantiate(cmd.Context(), f.Value.String())
		case "lock":
			p := f.Value.String()
			if cmd.Annotations[lockMayBeNew] != "" || p == "" {
				return
			}
			if _, serr := os.Stat(p); serr != nil {
				err = &diag.UsageError{Err: fmt.Errorf("--lock %s: %s", p, reason(serr)),
					Hint: "a --lock given explicitly must exist; without --lock the nearest kubenix.lock is used"}
			}
		}
	})
	return err
}

var kindName = regexp.MustCompile(`^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z][A-Za-z0-9]*$`)

func flagValues(f *pflag.Flag) []string {
	if sv, ok := f.Value.(pflag.SliceValue); ok {
		return sv.GetSlice()
	}
	return []string{f.Value.String()}
}

func reason(err error) string {
	if errors.Is(err, fs.ErrNotExist) {
		return "no such file or directory"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// resourceArg is what kubenix explain takes: dot-separated names.
var resourceArg = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9_-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9_-]*[A-Za-z0-9])?)*$`)
