package secrets

import (
	"encoding/base64"
	"maps"
	"slices"
	"strings"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/manifest"
)

// Hidden replaces a secret value wherever kubenix prints one; the same
// placeholder as kubenix diff.
const Hidden = "(hidden)"

// Redact returns the body of o to print: for a sensitive object in plain
// text, a copy with every non-empty value of data and stringData replaced
// by Hidden; otherwise the body itself. SOPS-encrypted values are shown as
// they are (they are ciphertext).
func Redact(o *manifest.Object, opts Options) map[string]any {
	if o.Raw != nil || !opts.IsSensitive(o) {
		return o.Body
	}
	body := maps.Clone(o.Body)
	for _, field := range valueFields {
		m, ok := body[field].(map[string]any)
		if !ok {
			continue
		}
		hidden := make(map[string]any, len(m))
		for k, v := range m {
			if v == nil || v == "" {
				hidden[k] = v
			} else {
				hidden[k] = Hidden
			}
		}
		body[field] = hidden
	}
	return body
}

// Scrub returns the diagnostics of object o with its secret values
// replaced by Hidden in every text, so that no message, JSON diagnostic or
// log carries them. A validator may quote a value it rejects (a data value
// that is not base64); such diagnostics, on data and stringData fields, are
// scrubbed of values of any length, others of values long enough not to be
// mistaken for ordinary words.
func Scrub(o *manifest.Object, l diag.List, opts Options) diag.List {
	if len(l) == 0 || o.Raw != nil || !opts.IsSensitive(o) {
		return l
	}
	values := secretValues(o)
	if len(values) == 0 {
		return l
	}
	out := make(diag.List, len(l))
	for i, d := range l {
		min := 4
		if onValues(d.Field) && d.Reason != ReasonPlaintext {
			min = 1
		}
		r := replacer(values, min)
		d.Message, d.Detail, d.Hint = r.Replace(d.Message), r.Replace(d.Detail), r.Replace(d.Hint)
		out[i] = d
	}
	return out
}

func onValues(field string) bool {
	for _, f := range valueFields {
		if field == f || strings.HasPrefix(field, f+".") || strings.HasPrefix(field, f+"[") {
			return true
		}
	}
	return false
}

// secretValues lists the values of data and stringData as they may be
// quoted: as written, and for data the decoded bytes too; longest first,
// so that a value is hidden whole before a shorter one inside it.
func secretValues(o *manifest.Object) []string {
	var out []string
	for _, field := range valueFields {
		m, _ := o.Body[field].(map[string]any)
		for _, v := range m {
			s, ok := v.(string)
			if !ok || s == "" {
				continue
			}
			out = append(out, s)
			if field == "data" {
				if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) > 0 {
					out = append(out, string(b))
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return slices.Compact(out)
}

func replacer(values []string, min int) *strings.Replacer {
	var pairs []string
	for _, v := range values {
		if len(v) >= min {
			pairs = append(pairs, v, Hidden)
		}
	}
	return strings.NewReplacer(pairs...)
}
