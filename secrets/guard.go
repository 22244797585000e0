// Package secrets keeps the values of Secrets out of everything kubenix
// writes and prints: plaintext Secrets are refused (Guard) and hidden
// (Redact, Scrub); SOPS-encrypted ones travel through the build as their
// original bytes, checked but never decrypted, until kubenix apply.
package secrets

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/manifest"
)

// Options say what counts as a secret and what a plaintext one is.
type Options struct {
	// AllowPlaintext reports plaintext values as warnings, not errors
	// (--allow-plaintext-secrets; check and eval, which write nothing).
	AllowPlaintext bool
	// SensitiveKinds are more kinds whose data and stringData hold
	// secrets, as Kind or group/Kind (--sensitive-kind).
	SensitiveKinds []string
}

// ReasonPlaintext is the Reason of the diagnostic for a plaintext Secret.
const ReasonPlaintext = "PlaintextSecret"

// valueFields hold the values of a Secret (and of sensitive kinds).
var valueFields = []string{"data", "stringData"}

// IsSensitive reports whether the object's data and stringData hold
// secrets: a core Secret, or an object of one of the sensitive kinds.
func (opts Options) IsSensitive(o *manifest.Object) bool {
	if o.Kind == "Secret" && o.APIVersion == "v1" {
		return true
	}
	return slices.Contains(opts.SensitiveKinds, o.Kind) || slices.Contains(opts.SensitiveKinds, o.Group()+"/"+o.Kind)
}

// Guard checks every object, and returns its diagnostics by object index
// (as schema.Set.ValidateAll does): a sensitive object with non-empty
// values in plain text is an error (a warning with AllowPlaintext), naming
// the keys but never the values; a SOPS-encrypted Secret
// (kubenix.secrets.sops) is checked and keeps its original bytes to be
// written (Object.Raw).
func Guard(objs []*manifest.Object, opts Options) []diag.List {
	out := make([]diag.List, len(objs))
	for i, o := range objs {
		if isSOPS(o) {
			out[i] = guardSOPS(o)
			continue
		}
		if IsEncrypted(o) {
			out[i] = checkEncrypted(o)
			continue
		}
		if !opts.IsSensitive(o) {
			continue
		}
		for _, field := range valueFields {
			keys := plaintextKeys(o.Body[field])
			if len(keys) == 0 {
				continue
			}
			out[i] = append(out[i], plaintextDiag(o, field, keys, opts.AllowPlaintext))
		}
	}
	return out
}

// IsPlaintextSecret reports whether body is a core Secret with a value in
// plain text: what must not be written to a cache on disk.
func IsPlaintextSecret(body map[string]any) bool {
	if body["apiVersion"] != "v1" || body["kind"] != "Secret" {
		return false
	}
	if _, ok := body[SOPSKey]; ok {
		return false
	}
	if _, ok := body["sops"]; ok {
		return false
	}
	for _, field := range valueFields {
		if len(plaintextKeys(body[field])) > 0 {
			return true
		}
	}
	return false
}

// plaintextKeys lists, sorted, the keys of a data or stringData map whose
// values are not empty.
func plaintextKeys(v any) []string {
	m, _ := v.(map[string]any)
	var keys []string
	for k, val := range m {
		if val == nil || val == "" {
			continue
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func plaintextDiag(o *manifest.Object, field string, keys []string, allowed bool) diag.Diagnostic {
	what := "key " + keys[0]
	if len(keys) > 1 {
		what = "keys " + strings.Join(keys, ", ")
	}
	d := diag.Diagnostic{
		Severity: diag.Error,
		Pos:      o.Origin.Where(),
		Object:   o.ID(),
		Identity: o.Identity(),
		Path:     o.TreePath(),
		Field:    fieldPath(field, keys[0]),
		Reason:   ReasonPlaintext,
		Message: fmt.Sprintf("%s in plain text (%s %s): the result would hold the values where anyone who can read it can, "+
			"and the Nix store is readable by every user of the machine and copied by binary caches", o.Kind, field, what),
		Hint: "encrypt the Secret with SOPS (kubenix secrets encrypt secret.yaml -o secret.sops.yaml) and use kubenix.secrets.sops ./secret.sops.yaml " +
			"(kept encrypted, decrypted by kubenix apply or Flux), " +
			"or keep only a reference in Nix (External Secrets, Secrets Store CSI driver); " +
			"--allow-plaintext-secrets writes it anyway, with a warning (README: Secrets)",
	}
	if allowed {
		d.Severity = diag.Warning
		d.Message = fmt.Sprintf("%s in plain text (%s %s): anyone who can read the result can read the values; kubenix build refuses it unless --allow-plaintext-secrets", o.Kind, field, what)
		d.Hint = "encrypt the Secret with SOPS and use kubenix.secrets.sops ./secret.sops.yaml, or keep only a reference in Nix (README: Secrets)"
	}
	return d
}

// fieldPath spells data.key, or data[key] for a key with a dot in it, as
// the API server spells map keys.
func fieldPath(field, key string) string {
	if strings.ContainsAny(key, ".[]") {
		return field + "[" + key + "]"
	}
	return field + "." + key
}
