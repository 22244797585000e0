package secrets

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/manifest"
)

// SOPSKey is the attribute kubenix.secrets.sops adds to the object it
// reads: { file = <path>; text = <the file's bytes>; }. Guard moves the
// bytes into Object.Raw and removes the attribute.
const SOPSKey = "__kubenixSops"

// ReasonSOPS is the Reason of the diagnostics of a SOPS file kubenix refuses.
const ReasonSOPS = "InvalidSOPS"

// The format checked here is the one github.com/getsops/sops/v3 writes
// (stores/stores.go, aes/cipher.go). The build only checks it: it has no
// keys and decrypts nothing, so it needs none of the sops packages, whose
// root package imports every key service (AWS, GCP, Azure, Vault, ...).
var (
	// encValue is one encrypted value: AES256-GCM, a 32-byte IV, a 16-byte tag.
	encValue = regexp.MustCompile(`^ENC\[AES256_GCM,data:([A-Za-z0-9+/=]*),iv:([A-Za-z0-9+/=]+),tag:([A-Za-z0-9+/=]+),type:(str|int|float|bool|bytes|comment)\]$`)
	// secretKey is what the API server accepts as a key of data or stringData.
	secretKey = regexp.MustCompile(`^[-._a-zA-Z0-9]+$`)
	// recipientLists are the places of the encrypted data key in sops
	// metadata, at the top or in each key group.
	recipientLists = []string{"age", "pgp", "kms", "gcp_kms", "azure_kv", "hc_vault", "hckms"}
)

const (
	ageBegin = "-----BEGIN AGE ENCRYPTED FILE-----"
	ageEnd   = "-----END AGE ENCRYPTED FILE-----"
)

// IsEncrypted reports whether o, read from a result, is a SOPS-encrypted
// object: it carries sops metadata.
func IsEncrypted(o *manifest.Object) bool {
	_, ok := o.Body["sops"].(map[string]any)
	return ok
}

func isSOPS(o *manifest.Object) bool {
	_, ok := o.Body[SOPSKey]
	return ok
}

// sopsCheck collects what is wrong with one SOPS file.
type sopsCheck struct {
	o      *manifest.Object
	file   string
	fields map[string]diag.Pos // positions in the SOPS file
	diags  diag.List
}

func (c *sopsCheck) fail(segs []any, format string, args ...any) {
	pos := diag.Pos{File: c.file}
	for n := len(segs); n > 0; n-- {
		if p, ok := c.fields[manifest.FieldKey(segs[:n])]; ok {
			pos = p
			break
		}
	}
	c.diags = append(c.diags, diag.Diagnostic{
		Severity: diag.Error, Pos: pos, Object: c.o.ID(), Identity: c.o.Identity(), Path: c.o.TreePath(),
		Field: manifest.FieldPath(segs), Reason: ReasonSOPS, Message: fmt.Sprintf(format, args...),
		Hint: "kubenix.secrets.sops takes one Secret encrypted by sops with its metadata in plain text: kubenix secrets encrypt secret.yaml -o secret.sops.yaml, " +
			"or sops --encrypt --age AGE_RECIPIENT --encrypted-regex '^(data|stringData)$' secret.yaml > secret.sops.yaml (README: Secrets)",
	})
}

// guardSOPS checks an object of kubenix.secrets.sops: its file is one
// Secret, encrypted by sops for at least one recipient, every value of data
// and stringData encrypted, its name, namespace, type and key names in
// plain text and valid, and the object as the build has it equal to the
// file (its bytes are written as they are, and the MAC covers the values).
// The file's bytes become the object's Raw.
func guardSOPS(o *manifest.Object) diag.List {
	marker, _ := o.Body[SOPSKey].(map[string]any)
	delete(o.Body, SOPSKey)
	file, _ := marker["file"].(string)
	text, ok := marker["text"].(string)
	c := &sopsCheck{o: o, file: file}
	if file == "" {
		c.file = o.Origin.Where().File
	}
	if !ok {
		c.fail(nil, "%s is not what kubenix.secrets.sops makes", SOPSKey)
		return c.diags
	}
	objs, d := manifest.Read(c.file, []byte(text))
	if d.HasErrors() {
		return d
	}
	if len(objs) != 1 {
		c.fail(nil, "a SOPS file for kubenix.secrets.sops holds one Secret, not %d objects", len(objs))
		return c.diags
	}
	doc := objs[0]
	c.fields = doc.Origin.Fields
	meta, ok := doc.Body["sops"].(map[string]any)
	if !ok {
		c.fail(nil, "not encrypted with SOPS: the file has no sops metadata (a plaintext Secret would end up in the result)")
		return c.diags
	}
	c.metadata(meta)
	if doc.APIVersion != "v1" || doc.Kind != "Secret" {
		c.fail([]any{"kind"}, "kubenix.secrets.sops takes a v1 Secret, not %s %s", doc.APIVersion, doc.Kind)
	}
	c.plainMetadata(doc.Body)
	for _, field := range valueFields {
		c.values(doc.Body, field)
	}
	if len(c.diags) > 0 {
		return c.diags
	}
	// Normalizing gave a namespace to an object without one; the file
	// cannot have one added without breaking its MAC.
	if m, _ := doc.Body["metadata"].(map[string]any); m["namespace"] == nil {
		c.fail([]any{"metadata"}, "a SOPS Secret must name its namespace (metadata.namespace): its bytes are written unchanged, so the build cannot add one")
		return c.diags
	}
	if !sameJSON(o.Body, doc.Body) {
		c.fail(nil, "the object differs from its SOPS file: a SOPS Secret is written as its file is, so change the file (kubenix secrets edit), not the value in Nix")
		return c.diags
	}
	o.Raw = []byte(text)
	return nil
}

// checkEncrypted checks a SOPS-encrypted object read from a manifest file
// (kubenix check of a directory, a result): the same checks as for
// kubenix.secrets.sops, on the file's own fields.
func checkEncrypted(o *manifest.Object) diag.List {
	c := &sopsCheck{o: o, file: o.Origin.Where().File, fields: o.Origin.Fields}
	c.metadata(o.Body["sops"].(map[string]any))
	if o.APIVersion != "v1" || o.Kind != "Secret" {
		return c.diags // SOPS files of other kinds: their values are ciphertext either way
	}
	c.plainMetadata(o.Body)
	for _, field := range valueFields {
		c.values(o.Body, field)
	}
	return c.diags
}

// metadata checks the sops block: a MAC, the date, the version, and at
// least one recipient with a complete encrypted data key.
func (c *sopsCheck) metadata(meta map[string]any) {
	at := func(k string) []any { return []any{"sops", k} }
	mac, _ := meta["mac"].(string)
	if mac == "" {
		c.fail(at("mac"), "the sops metadata has no mac: the file is truncated or was not written by sops")
	} else if !encValue.MatchString(mac) || !wellFormed(mac) {
		c.fail(at("mac"), "the sops mac is malformed: the file was changed or truncated")
	}
	for _, k := range []string{"lastmodified", "version"} {
		if s, _ := meta[k].(string); s == "" {
			c.fail(at(k), "the sops metadata has no %s: the file is truncated or was not written by sops", k)
		}
	}
	n := c.recipients(meta, []any{"sops"})
	groups, _ := meta["key_groups"].([]any)
	for i, g := range groups {
		gm, _ := g.(map[string]any)
		n += c.recipients(gm, []any{"sops", "key_groups", i})
	}
	if n == 0 {
		c.fail([]any{"sops"}, "the sops metadata names no recipient (age, pgp, kms, ...): nobody could decrypt the file")
	}
}

// recipients counts the recipients of one list of key services, and checks
// the age ones: armored, complete.
func (c *sopsCheck) recipients(m map[string]any, at []any) int {
	n := 0
	for _, list := range recipientLists {
		entries, _ := m[list].([]any)
		for i, e := range entries {
			em, _ := e.(map[string]any)
			where := append(append([]any(nil), at...), list, i)
			enc, _ := em["enc"].(string)
			if enc == "" {
				c.fail(append(where, "enc"), "a %s recipient of the sops metadata has no encrypted data key", list)
				continue
			}
			if list == "age" {
				enc = strings.TrimSpace(enc)
				if r, _ := em["recipient"].(string); !strings.HasPrefix(r, "age1") {
					c.fail(append(where, "recipient"), "an age recipient of the sops metadata is not an age public key (age1...)")
				}
				if !strings.HasPrefix(enc, ageBegin) || !strings.HasSuffix(enc, ageEnd) {
					c.fail(append(where, "enc"), "the age-encrypted data key is not a complete age file: the file was changed or truncated")
					continue
				}
			}
			n++
		}
	}
	return n
}

// plainMetadata checks what the build and the API server need to read: the
// name, namespace and type in plain text, and valid.
func (c *sopsCheck) plainMetadata(body map[string]any) {
	meta, _ := body["metadata"].(map[string]any)
	for _, k := range []string{"name", "namespace"} {
		s, _ := meta[k].(string)
		if isEncrypted(s) {
			c.fail([]any{"metadata", k}, "metadata.%s is encrypted: kubenix and the API server must read it; encrypt only data and stringData (--encrypted-regex '^(data|stringData)$')", k)
		}
	}
	if name, _ := meta["name"].(string); name == "" {
		c.fail([]any{"metadata"}, "the Secret has no metadata.name")
	}
	if t, _ := body["type"].(string); isEncrypted(t) {
		c.fail([]any{"type"}, "type is encrypted: encrypt only data and stringData (--encrypted-regex '^(data|stringData)$')")
	}
}

// values checks that every value of data or stringData is encrypted, and
// that its key is one the API server accepts.
func (c *sopsCheck) values(body map[string]any, field string) {
	m, ok := body[field].(map[string]any)
	if !ok {
		if body[field] != nil {
			c.fail([]any{field}, "%s is not a map of keys to encrypted values", field)
		}
		return
	}
	for k, v := range m {
		at := []any{field, k}
		if !secretKey.MatchString(k) {
			c.fail(at, "key %q of %s is not a valid Secret key (letters, digits, '-', '_' and '.')", k, field)
		}
		s, _ := v.(string)
		switch {
		case v == nil || s == "":
		case !isEncrypted(s):
			// Never quote the value: it is plain text.
			c.fail(at, "%s key %s is not encrypted: sops left it in plain text (its encrypted_regex or unencrypted_suffix leaves it out)", field, k)
		case !encValue.MatchString(s) || !wellFormed(s):
			c.fail(at, "%s key %s is not a well-formed sops value: the file was changed or truncated", field, k)
		}
	}
}

func isEncrypted(s string) bool { return strings.HasPrefix(s, "ENC[") }

// wellFormed checks the parts of an ENC[...] value: base64, a 32-byte IV
// and a 16-byte tag, as sops writes them.
func wellFormed(s string) bool {
	m := encValue.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	if _, err := base64.StdEncoding.DecodeString(m[1]); err != nil {
		return false
	}
	iv, err := base64.StdEncoding.DecodeString(m[2])
	if err != nil || len(iv) != 32 {
		return false
	}
	tag, err := base64.StdEncoding.DecodeString(m[3])
	return err == nil && len(tag) == 16
}

func sameJSON(a, b map[string]any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}

// ForValidation returns the objects to validate against the schema: a SOPS
// Secret as the API server will see it once decrypted, without its sops
// metadata and with empty values (their plaintext is unknown here; their
// keys are checked by Guard, which also reports a SOPS file it refuses).
func ForValidation(objs []*manifest.Object) []*manifest.Object {
	out := objs
	copied := false
	for i, o := range objs {
		if o.Raw == nil && !IsEncrypted(o) {
			continue
		}
		if !copied {
			out, copied = slices.Clone(objs), true
		}
		v := *o
		v.Body = maps.Clone(o.Body)
		delete(v.Body, "sops")
		for _, field := range valueFields {
			if m, ok := v.Body[field].(map[string]any); ok {
				empty := make(map[string]any, len(m))
				for k := range m {
					empty[k] = ""
				}
				v.Body[field] = empty
			}
		}
		out[i] = &v
	}
	return out
}
