package objdiff

import (
	"bytes"
	"slices"
	"strings"

	"github.com/kubenix/kubenix/secrets"
)

// Placeholders of the values of SOPS Secrets: their plaintext is never
// shown, not even with ShowSecrets; a value the other side's differs from
// (both decrypted) is marked changed.
const (
	hiddenChanged  = "(hidden, changed)"
	encryptedValue = "(encrypted)"
)

// sopsView is what a comparison shows of one side of a Secret of which
// at least one side is SOPS-encrypted.
type sopsView struct {
	body  map[string]any // to compare: without its sops block; any ENC[...] value left is encryptedValue
	plain map[string]any // the body in plain text (decrypted, or a plain Secret), never shown; nil if unknown
}

// isSOPSObject reports whether e holds a SOPS-encrypted object.
func isSOPSObject(e *Entry) bool {
	return e != nil && e.Object != nil && (e.Object.Raw != nil || secrets.IsEncrypted(e.Object))
}

// compareSOPS returns the bodies to compare of a change with a SOPS
// Secret on at least one side, and whether the values of both sides could
// be compared. A side is decrypted (in memory, with decrypt) only when
// both sides exist and they are not the same bytes.
func compareSOPS(c *Change, decrypt func([]byte) (map[string]any, error)) (old, new map[string]any, compared bool) {
	same := c.Old != nil && c.New != nil && c.Old.Object.Raw != nil && bytes.Equal(c.Old.Object.Raw, c.New.Object.Raw)
	tryDecrypt := c.Old != nil && c.New != nil && !same
	ov, ok1 := sopsSide(c.Old, decrypt, tryDecrypt)
	nv, ok2 := sopsSide(c.New, decrypt, tryDecrypt)
	compared = ok1 && ok2
	known := compared && ov.plain != nil && nv.plain != nil
	for _, field := range secretFields {
		od, _ := ov.body[field].(map[string]any)
		nd, _ := nv.body[field].(map[string]any)
		mod, mnd := placeholders(od), placeholders(nd)
		for k, v := range od {
			if w, ok := nd[k]; ok && known && !sameValue(v, w) {
				mnd[k] = hiddenChanged
			}
		}
		if mod != nil {
			ov.body[field] = mod
		}
		if mnd != nil {
			nv.body[field] = mnd
		}
	}
	// Annotations of a decrypted side may hold its values (kubectl's
	// last-applied-configuration): hidden as in a plain Secret.
	values := secretValues(ov.plain, nv.plain)
	maskAnnotations(ov.body, nv.body, values)
	if c.Old == nil {
		ov.body = nil
	}
	if c.New == nil {
		nv.body = nil
	}
	return ov.body, nv.body, compared || !tryDecrypt
}

// sopsSide makes the view of one side. ok is false when the side is
// SOPS-encrypted and could not be decrypted (or was not to be).
func sopsSide(e *Entry, decrypt func([]byte) (map[string]any, error), tryDecrypt bool) (sopsView, bool) {
	if e == nil {
		return sopsView{body: map[string]any{}}, true
	}
	if !isSOPSObject(e) {
		return sopsView{shallowCopy(e.Object.Body), e.Object.Body}, true
	}
	v, ok := sopsView{}, false
	if tryDecrypt && decrypt != nil && e.Object.Raw != nil {
		if plain, err := decrypt(e.Object.Raw); err == nil {
			v, ok = sopsView{shallowCopy(plain), plain}, true
		}
	}
	if !ok {
		v.body = withoutCiphertext(e.Object.Body).(map[string]any)
	}
	delete(v.body, "sops")
	if r := recipients(e.Object.Body["sops"]); len(r) > 0 {
		// Who can decrypt is a change worth seeing; the rest of the
		// sops block (MAC, dates, encrypted data keys) changes on every
		// edit and is left out.
		v.body["sops"] = map[string]any{"recipients": r}
	}
	return v, ok
}

// placeholders maps every key of m to hiddenValue.
func placeholders(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k := range m {
		out[k] = hiddenValue
	}
	return out
}

// withoutCiphertext copies v with every ENC[...] string replaced by
// encryptedValue.
func withoutCiphertext(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = withoutCiphertext(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = withoutCiphertext(x)
		}
		return out
	case string:
		if strings.HasPrefix(t, "ENC[") {
			return encryptedValue
		}
	}
	return v
}

// recipients lists the age recipients and PGP fingerprints of a sops
// block, at its top and in its key groups, sorted.
func recipients(meta any) []any {
	m, _ := meta.(map[string]any)
	groups := []map[string]any{m}
	if kg, ok := m["key_groups"].([]any); ok {
		for _, g := range kg {
			if gm, ok := g.(map[string]any); ok {
				groups = append(groups, gm)
			}
		}
	}
	var out []string
	for _, g := range groups {
		for list, field := range map[string]string{"age": "recipient", "pgp": "fp"} {
			l, _ := g[list].([]any)
			for _, e := range l {
				em, _ := e.(map[string]any)
				if s, ok := em[field].(string); ok && s != "" {
					out = append(out, list+":"+s)
				}
			}
		}
	}
	slices.Sort(out)
	out = slices.Compact(out)
	res := make([]any, len(out))
	for i, s := range out {
		res[i] = s
	}
	return res
}
