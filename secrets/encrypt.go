package secrets

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"filippo.io/age"
	"filippo.io/age/armor"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/kubenix/kubenix/internal/userfile"
)

// SOPSVersion is the sops format version kubenix writes (the sops release
// whose format it follows).
const SOPSVersion = "3.13.3"

// DefaultEncryptedRegex encrypts a Secret's values and leaves its metadata
// readable, as kubenix.secrets.sops and Flux need.
const DefaultEncryptedRegex = "^(data|stringData)$"

// CreationRule is the rule of a .sops.yaml that applies to a file.
type CreationRule struct {
	Config         string   // the .sops.yaml it comes from
	Age            []string // age recipients
	EncryptedRegex string
}

// FindCreationRule finds the .sops.yaml nearest to file (its directory and
// up) and the first of its creation_rules whose path_regex matches file's
// path relative to it (or that has none), as the sops CLI chooses one.
func FindCreationRule(file string) (*CreationRule, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	for dir := filepath.Dir(abs); ; dir = filepath.Dir(dir) {
		cfg := filepath.Join(dir, ".sops.yaml")
		data, err := userfile.Read(cfg, userfile.SmallLimit)
		if err == nil {
			rel, _ := filepath.Rel(dir, abs)
			return creationRule(cfg, data, filepath.ToSlash(rel))
		}
		if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		if filepath.Dir(dir) == dir {
			return nil, fmt.Errorf("no .sops.yaml in %s or above: give the recipients with --age", filepath.Dir(abs))
		}
	}
}

func creationRule(cfg string, data []byte, rel string) (*CreationRule, error) {
	var c struct {
		CreationRules []struct {
			PathRegex      string `yaml:"path_regex"`
			Age            any    `yaml:"age"`
			EncryptedRegex string `yaml:"encrypted_regex"`
		} `yaml:"creation_rules"`
	}
	if err := kyaml.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("%s: %v", cfg, err)
	}
	for _, r := range c.CreationRules {
		if r.PathRegex != "" {
			re, err := regexp.Compile(r.PathRegex)
			if err != nil {
				return nil, fmt.Errorf("%s: path_regex: %v", cfg, err)
			}
			if !re.MatchString(rel) {
				continue
			}
		}
		out := &CreationRule{Config: cfg, EncryptedRegex: r.EncryptedRegex}
		switch a := r.Age.(type) {
		case string:
			out.Age = splitRecipients(a)
		case []any:
			for _, x := range a {
				s, _ := x.(string)
				out.Age = append(out.Age, splitRecipients(s)...)
			}
		}
		if len(out.Age) == 0 {
			return nil, fmt.Errorf("%s: the creation rule for %s names no age recipient (kubenix encrypts for age keys)", cfg, rel)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s: no creation rule matches %s", cfg, rel)
}

func splitRecipients(s string) []string {
	var out []string
	for _, r := range strings.Split(s, ",") {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, r)
		}
	}
	return out
}

// ParseRecipients reads age recipients (age1...), at least one.
func ParseRecipients(recipients []string) ([]age.Recipient, error) {
	var out []age.Recipient
	for _, r := range recipients {
		rec, err := age.ParseX25519Recipient(r)
		if err != nil {
			return nil, fmt.Errorf("age recipient %q: %v", r, err)
		}
		out = append(out, rec)
	}
	if len(out) == 0 {
		return nil, errors.New("no age recipient")
	}
	return out, nil
}

// Encrypt encrypts a YAML document as `sops --encrypt --age RECIPIENTS
// --encrypted-regex REGEX` does: a fresh data key, encrypted for each age
// recipient; every value whose path matches the regex encrypted with
// AES-256-GCM; the MAC over all values. Comments are dropped (sops would
// encrypt them).
func Encrypt(plain []byte, recipients []string, encryptedRegex string) ([]byte, error) {
	if encryptedRegex == "" {
		encryptedRegex = DefaultEncryptedRegex
	}
	rules, err := newCryptRules(sopsMeta{EncryptedRegex: encryptedRegex})
	if err != nil {
		return nil, err
	}
	var doc kyaml.Node
	if err := kyaml.NewDecoder(bytes.NewReader(plain)).Decode(&doc); err != nil {
		return nil, fmt.Errorf("not a YAML document: %v", err)
	}
	root := &doc
	if root.Kind == kyaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != kyaml.MappingNode {
		return nil, errors.New("not a YAML mapping")
	}
	kind := ""
	for i := 0; i+1 < len(root.Content); i += 2 {
		switch root.Content[i].Value {
		case "sops":
			return nil, errors.New("the file is encrypted already (it has sops metadata)")
		case "kind":
			kind = root.Content[i+1].Value
		}
	}
	if kind != "Secret" {
		// kubenix.secrets.sops takes Secrets only: anything else would be
		// encrypted for nothing.
		return nil, fmt.Errorf("not a Secret (kind %q): kubenix encrypts Secret manifests", kind)
	}
	ageRecipients, err := ParseRecipients(recipients)
	if err != nil {
		return nil, err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	mac := sha512.New()
	for i := 0; i+1 < len(root.Content); i += 2 {
		clearComments(root.Content[i])
		if err := rules.encryptNode(root.Content[i+1], []string{root.Content[i].Value}, key, mac); err != nil {
			return nil, err
		}
	}
	now := time.Now().UTC().Format(time.RFC3339)
	encMAC, err := encryptValue(fmt.Sprintf("%X", mac.Sum(nil)), "str", key, now)
	if err != nil {
		return nil, err
	}
	meta := &kyaml.Node{Kind: kyaml.MappingNode}
	add := func(k string, v *kyaml.Node) {
		meta.Content = append(meta.Content, &kyaml.Node{Kind: kyaml.ScalarNode, Value: k}, v)
	}
	str := func(s string) *kyaml.Node { return &kyaml.Node{Kind: kyaml.ScalarNode, Value: s, Tag: "!!str"} }
	ages := &kyaml.Node{Kind: kyaml.SequenceNode}
	for i, r := range ageRecipients {
		var b bytes.Buffer
		aw := armor.NewWriter(&b)
		w, err := age.Encrypt(aw, r)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(key); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		if err := aw.Close(); err != nil {
			return nil, err
		}
		ages.Content = append(ages.Content, &kyaml.Node{Kind: kyaml.MappingNode, Content: []*kyaml.Node{
			str("recipient"), str(recipients[i]), str("enc"), {Kind: kyaml.ScalarNode, Value: b.String(), Style: kyaml.LiteralStyle},
		}})
	}
	add("age", ages)
	add("lastmodified", str(now))
	add("mac", str(encMAC))
	add("encrypted_regex", str(encryptedRegex))
	add("version", str(SOPSVersion))
	root.Content = append(root.Content, &kyaml.Node{Kind: kyaml.ScalarNode, Value: "sops"}, meta)
	var out bytes.Buffer
	enc := kyaml.NewEncoder(&out)
	enc.SetIndent(4)
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func clearComments(n *kyaml.Node) { n.HeadComment, n.LineComment, n.FootComment = "", "", "" }

// encryptNode encrypts the values of n that the rules select, in place, in
// document order, adding every value to the MAC (sops.go Tree.Encrypt).
func (r *cryptRules) encryptNode(n *kyaml.Node, path []string, key []byte, mac hash.Hash) error {
	clearComments(n)
	switch n.Kind {
	case kyaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			clearComments(n.Content[i])
			if err := r.encryptNode(n.Content[i+1], append(path[:len(path):len(path)], n.Content[i].Value), key, mac); err != nil {
				return err
			}
		}
	case kyaml.SequenceNode:
		for _, item := range n.Content {
			if err := r.encryptNode(item, path, key, mac); err != nil {
				return err
			}
		}
	case kyaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return fmt.Errorf("%s: %v", strings.Join(path, "."), err)
		}
		if v == nil {
			return nil
		}
		b, err := macBytes(v)
		if err != nil {
			return fmt.Errorf("%s: %v", strings.Join(path, "."), err)
		}
		mac.Write(b)
		if !r.encrypted(path) {
			return nil
		}
		typ := map[string]string{"!!int": "int", "!!float": "float", "!!bool": "bool"}[n.ShortTag()]
		if typ == "" {
			typ = "str"
		}
		plain := string(b)
		if t, ok := v.(bool); ok {
			plain = strconv.FormatBool(t) // the MAC has True, the value true
		}
		s, err := encryptValue(plain, typ, key, strings.Join(path, ":")+":")
		if err != nil {
			return err
		}
		n.Value, n.Tag, n.Style = s, "!!str", 0
	case kyaml.AliasNode:
		return fmt.Errorf("%s: YAML aliases are not supported", strings.Join(path, "."))
	}
	return nil
}

// encryptValue makes one ENC[AES256_GCM,...] value (aes/cipher.go Encrypt).
func encryptValue(plain, typ string, key []byte, aad string) (string, error) {
	if plain == "" {
		return "", nil
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	gcm, err := cipher.NewGCMWithNonceSize(block, 32)
	if err != nil {
		return "", err
	}
	iv := make([]byte, 32)
	if _, err := io.ReadFull(rand.Reader, iv); err != nil {
		return "", err
	}
	sealed := gcm.Seal(nil, iv, []byte(plain), []byte(aad))
	data, tag := sealed[:len(sealed)-gcm.Overhead()], sealed[len(sealed)-gcm.Overhead():]
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("ENC[AES256_GCM,data:%s,iv:%s,tag:%s,type:%s]", b64(data), b64(iv), b64(tag), typ), nil
}
