package secrets

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	sopsage "github.com/getsops/sops/v3/age"
	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/manifest"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
)

// Decryption, for kubenix apply: in memory only, with the user's age keys
// found as the sops CLI finds them (SOPS_AGE_KEY, SOPS_AGE_KEY_FILE,
// SOPS_AGE_KEY_CMD, ~/.config/sops/age/keys.txt, SSH keys), through the
// sops library's age package. The rest of sops' decryption (its root, aes
// and decrypt packages) imports every key service it supports, which
// would add about 28 MB and 230 modules to kubenix; what is done here
// instead is AES-256-GCM per value and the MAC check of
// github.com/getsops/sops/v3 (sops.go Tree.Decrypt, aes/cipher.go), for
// age recipients. The tests hold it to the sops library's own encryption.

// DecryptError says why a SOPS Secret could not be decrypted.
type DecryptError struct {
	Reason  DecryptReason
	Message string
}

func (e *DecryptError) Error() string { return e.Message }

// DecryptReason tells the kinds of DecryptError apart.
type DecryptReason int

// Reasons.
const (
	NotSOPS     DecryptReason = iota // not a SOPS file, or a malformed one
	NoKey                            // none of the user's keys opens the data key
	Tampered                         // the MAC does not match the values
	Unsupported                      // a SOPS feature kubenix does not decrypt (no age recipient, Shamir key groups)
)

// macOnlyEncryptedInit starts the MAC of a file with mac_only_encrypted
// (sops.MACOnlyEncryptedInitialization).
var macOnlyEncryptedInit = []byte{0x8a, 0x3f, 0xd2, 0xad, 0x54, 0xce, 0x66, 0x52, 0x7b, 0x10, 0x34, 0xf3, 0xd1, 0x47, 0xbe, 0xb, 0xb, 0x97, 0x5b, 0x3b, 0xf4, 0x4f, 0x72, 0xc6, 0xfd, 0xad, 0xec, 0x81, 0x76, 0xf2, 0x7d, 0x69}

type sopsMeta struct {
	MAC               string `yaml:"mac"`
	LastModified      string `yaml:"lastmodified"`
	UnencryptedSuffix string `yaml:"unencrypted_suffix"`
	EncryptedSuffix   string `yaml:"encrypted_suffix"`
	UnencryptedRegex  string `yaml:"unencrypted_regex"`
	EncryptedRegex    string `yaml:"encrypted_regex"`
	UnencryptedCRegex string `yaml:"unencrypted_comment_regex"`
	EncryptedCRegex   string `yaml:"encrypted_comment_regex"`
	MACOnlyEncrypted  bool   `yaml:"mac_only_encrypted"`
	ShamirThreshold   int    `yaml:"shamir_threshold"`
	Age               []struct {
		Recipient string `yaml:"recipient"`
		Enc       string `yaml:"enc"`
	} `yaml:"age"`
	KeyGroups []map[string]any `yaml:"key_groups"`
}

// Decrypt decrypts a SOPS-encrypted YAML document (one object) and returns
// the object without its sops metadata, its values in plain text. The MAC
// is checked: a file changed after it was encrypted is refused.
func Decrypt(data []byte) (map[string]any, error) {
	var doc kyaml.Node
	if err := kyaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		return nil, &DecryptError{NotSOPS, "not a SOPS YAML file: " + err.Error()}
	}
	root := &doc
	if root.Kind == kyaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != kyaml.MappingNode {
		return nil, &DecryptError{NotSOPS, "not a SOPS YAML file: not a mapping"}
	}
	var meta sopsMeta
	found := false
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "sops" {
			if err := root.Content[i+1].Decode(&meta); err != nil {
				return nil, &DecryptError{NotSOPS, "malformed sops metadata: " + err.Error()}
			}
			found = true
		}
	}
	if !found || meta.MAC == "" || meta.LastModified == "" {
		return nil, &DecryptError{NotSOPS, "not a SOPS file, or a truncated one: no sops metadata with a mac and lastmodified"}
	}
	rules, err := newCryptRules(meta)
	if err != nil {
		return nil, err
	}
	key, err := dataKey(meta)
	if err != nil {
		return nil, err
	}
	hash := sha512.New()
	if meta.MACOnlyEncrypted {
		hash.Write(macOnlyEncryptedInit)
	}
	body := map[string]any{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k := root.Content[i].Value
		if k == "sops" {
			continue
		}
		v, err := rules.walk(root.Content[i+1], []string{k}, key, hash)
		if err != nil {
			return nil, err
		}
		body[k] = v
	}
	lm, err := time.Parse(time.RFC3339, meta.LastModified)
	if err != nil {
		return nil, &DecryptError{NotSOPS, "malformed sops lastmodified: " + meta.LastModified}
	}
	mac, err := decryptValue(meta.MAC, key, lm.Format(time.RFC3339))
	if err != nil {
		return nil, &DecryptError{Tampered, "the sops mac does not decrypt: the file was changed after it was encrypted"}
	}
	if s, _ := mac.(string); s != fmt.Sprintf("%X", hash.Sum(nil)) {
		return nil, &DecryptError{Tampered, "the sops mac does not match the values: the file was changed after it was encrypted"}
	}
	return body, nil
}

// dataKey opens the data key with the user's age identities.
func dataKey(meta sopsMeta) ([]byte, error) {
	if len(meta.KeyGroups) > 1 || meta.ShamirThreshold > 1 {
		return nil, &DecryptError{Unsupported, "the file splits its data key among key groups (Shamir); kubenix apply decrypts files with one key group"}
	}
	type recipient struct{ recipient, enc string }
	var rs []recipient
	for _, a := range meta.Age {
		rs = append(rs, recipient{a.Recipient, a.Enc})
	}
	for _, g := range meta.KeyGroups {
		list, _ := g["age"].([]any)
		for _, e := range list {
			m, _ := e.(map[string]any)
			r, _ := m["recipient"].(string)
			enc, _ := m["enc"].(string)
			rs = append(rs, recipient{r, enc})
		}
	}
	if len(rs) == 0 {
		return nil, &DecryptError{Unsupported, "the file has no age recipient; kubenix apply decrypts with age keys (PGP and cloud KMS files: decrypt them in the cluster, with Flux)"}
	}
	var errs []string
	for _, r := range rs {
		b, err := openDataKey(r.recipient, r.enc)
		if err == nil && len(b) == 32 {
			return b, nil
		}
		if err != nil {
			errs = append(errs, err.Error())
		}
	}
	return nil, &DecryptError{NoKey, "none of your age keys decrypts the file (set SOPS_AGE_KEY_FILE or SOPS_AGE_KEY, or put the key in ~/.config/sops/age/keys.txt): " + strings.Join(errs, "; ")}
}

// openDataKey asks sops' age package for the data key. It panics on an
// empty SOPS_AGE_KEY_CMD (sops v3.13.3); that is an error here.
func openDataKey(recipient, enc string) (key []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			key, err = nil, fmt.Errorf("reading the age keys failed (is SOPS_AGE_KEY_CMD set but empty?): %v", r)
		}
	}()
	k := &sopsage.MasterKey{Recipient: recipient, EncryptedKey: enc}
	return k.Decrypt()
}

// cryptRules say which values sops encrypted (sops.go shouldBeEncrypted).
type cryptRules struct {
	unencSuffix, encSuffix string
	unencRegex, encRegex   *regexp.Regexp
	macOnlyEncrypted       bool
}

func newCryptRules(m sopsMeta) (*cryptRules, error) {
	if m.UnencryptedCRegex != "" || m.EncryptedCRegex != "" {
		return nil, &DecryptError{Unsupported, "the file chooses what to encrypt by comments (encrypted_comment_regex); kubenix apply does not decrypt such files"}
	}
	r := &cryptRules{unencSuffix: m.UnencryptedSuffix, encSuffix: m.EncryptedSuffix, macOnlyEncrypted: m.MACOnlyEncrypted}
	var err error
	if m.UnencryptedRegex != "" {
		if r.unencRegex, err = regexp.Compile(m.UnencryptedRegex); err != nil {
			return nil, &DecryptError{NotSOPS, "malformed unencrypted_regex: " + err.Error()}
		}
	}
	if m.EncryptedRegex != "" {
		if r.encRegex, err = regexp.Compile(m.EncryptedRegex); err != nil {
			return nil, &DecryptError{NotSOPS, "malformed encrypted_regex: " + err.Error()}
		}
	}
	if r.unencSuffix == "" && r.encSuffix == "" && r.unencRegex == nil && r.encRegex == nil {
		r.unencSuffix = "_unencrypted"
	}
	return r, nil
}

func (r *cryptRules) encrypted(path []string) bool {
	enc := true
	if r.unencSuffix != "" {
		for _, p := range path {
			if strings.HasSuffix(p, r.unencSuffix) {
				enc = false
				break
			}
		}
	}
	if r.encSuffix != "" {
		enc = false
		for _, p := range path {
			if strings.HasSuffix(p, r.encSuffix) {
				enc = true
				break
			}
		}
	}
	if r.unencRegex != nil {
		for _, p := range path {
			if r.unencRegex.MatchString(p) {
				enc = false
				break
			}
		}
	}
	if r.encRegex != nil {
		enc = false
		for _, p := range path {
			if r.encRegex.MatchString(p) {
				enc = true
				break
			}
		}
	}
	return enc
}

// walk decrypts a value in document order, as sops does, adding every
// leaf to the MAC.
func (r *cryptRules) walk(n *kyaml.Node, path []string, key []byte, mac io.Writer) (any, error) {
	switch n.Kind {
	case kyaml.MappingNode:
		out := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			v, err := r.walk(n.Content[i+1], append(path[:len(path):len(path)], k), key, mac)
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		return out, nil
	case kyaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, item := range n.Content {
			v, err := r.walk(item, path, key, mac)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case kyaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, &DecryptError{NotSOPS, fmt.Sprintf("%s: %v", strings.Join(path, "."), err)}
		}
		if v == nil {
			return nil, nil
		}
		enc := r.encrypted(path)
		if enc {
			s, ok := v.(string)
			if !ok {
				return nil, &DecryptError{NotSOPS, fmt.Sprintf("%s: expected an encrypted value", strings.Join(path, "."))}
			}
			var err error
			if v, err = decryptValue(s, key, strings.Join(path, ":")+":"); err != nil {
				return nil, &DecryptError{Tampered, fmt.Sprintf("%s does not decrypt: %v (the file was changed after it was encrypted)", strings.Join(path, "."), err)}
			}
		}
		if !r.macOnlyEncrypted || enc {
			b, err := macBytes(v)
			if err != nil {
				return nil, &DecryptError{NotSOPS, fmt.Sprintf("%s: %v", strings.Join(path, "."), err)}
			}
			mac.Write(b)
		}
		return v, nil
	case kyaml.AliasNode:
		return nil, &DecryptError{NotSOPS, fmt.Sprintf("%s: YAML aliases are not allowed in a SOPS Secret", strings.Join(path, "."))}
	}
	return nil, &DecryptError{NotSOPS, fmt.Sprintf("%s: unexpected YAML node", strings.Join(path, "."))}
}

// macBytes is sops.ToBytes.
func macBytes(v any) ([]byte, error) {
	switch t := v.(type) {
	case string:
		return []byte(t), nil
	case []byte:
		return t, nil
	case int:
		return []byte(strconv.Itoa(t)), nil
	case float64:
		return []byte(strconv.FormatFloat(t, 'f', -1, 64)), nil
	case bool:
		if t {
			return []byte("True"), nil
		}
		return []byte("False"), nil
	case time.Time:
		return t.MarshalText()
	}
	return nil, fmt.Errorf("a value of type %T", v)
}

// decryptValue opens one ENC[AES256_GCM,...] value (aes/cipher.go Decrypt).
func decryptValue(s string, key []byte, aad string) (any, error) {
	if s == "" {
		return "", nil
	}
	m := encValue.FindStringSubmatch(s)
	if m == nil {
		return nil, errors.New("not a sops value")
	}
	data, err1 := base64.StdEncoding.DecodeString(m[1])
	iv, err2 := base64.StdEncoding.DecodeString(m[2])
	tag, err3 := base64.StdEncoding.DecodeString(m[3])
	if err := errors.Join(err1, err2, err3); err != nil || len(iv) == 0 {
		return nil, errors.New("malformed base64")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCMWithNonceSize(block, len(iv))
	if err != nil {
		return nil, err
	}
	plain, err := gcm.Open(nil, iv, append(data, tag...), []byte(aad))
	if err != nil {
		return nil, errors.New("authentication failed")
	}
	switch m[4] {
	case "str":
		return string(plain), nil
	case "bytes":
		return plain, nil
	case "int":
		return strconv.Atoi(string(plain))
	case "float":
		return strconv.ParseFloat(string(plain), 64)
	case "bool":
		return strconv.ParseBool(string(plain))
	}
	return nil, fmt.Errorf("unsupported value type %s", m[4])
}

// Failed is what a user reads when file could not be decrypted: a file
// that is not SOPS or was changed is invalid input (exit 1), at the file
// and, when given, the object; a missing or wrong key is the
// environment's (exit 2), with where kubenix looks for keys.
func Failed(file string, obj *manifest.Object, err error) error {
	var de *DecryptError
	if errors.As(err, &de) && (de.Reason == NotSOPS || de.Reason == Tampered) {
		d := diag.Diagnostic{Severity: diag.Error, Pos: diag.Pos{File: file}, Message: "cannot decrypt: " + de.Message,
			Hint: "re-encrypt the Secret with kubenix secrets encrypt (or sops)"}
		if obj != nil {
			d.Object, d.Identity = obj.ID(), obj.Identity()
		}
		return diag.List{d}.Err()
	}
	return &diag.UsageError{Err: fmt.Errorf("%s: cannot decrypt: %w", file, err),
		Hint: "kubenix decrypts SOPS Secrets with your age key: SOPS_AGE_KEY_FILE, SOPS_AGE_KEY or ~/.config/sops/age/keys.txt (README: Secrets)"}
}
