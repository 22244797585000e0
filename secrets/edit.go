package secrets

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/internal/atomicfile"
	"github.com/kubenix/kubenix/internal/userfile"
	"github.com/kubenix/kubenix/manifest"
)

// EditOptions says how Edit runs the editor and where the plaintext waits.
type EditOptions struct {
	// Editor is a shell command line ($VISUAL, $EDITOR, or vi), run with
	// the temporary file's path as its last argument.
	Editor string
	// TempBase is where the private temporary directory is made
	// ($XDG_RUNTIME_DIR, or os.TempDir()).
	TempBase       string
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// EditOutcome says what Edit did to the file.
type EditOutcome int

// Outcomes.
const (
	Unchanged EditOutcome = iota // the editor changed nothing; the file is as it was (or was not created)
	Replaced                     // the file was re-encrypted and replaced
	Created                      // a new file was encrypted for .sops.yaml's recipients
)

// EditorError is an editor that could not start or exited non-zero; the
// file is untouched.
type EditorError struct{ Err error }

func (e *EditorError) Error() string { return "the editor failed: " + e.Err.Error() }
func (e *EditorError) Unwrap() error { return e.Err }

// Editor returns the editor command line as sops and git choose it.
func Editor(getenv func(string) string) string {
	for _, v := range []string{"VISUAL", "EDITOR"} {
		if e := strings.TrimSpace(getenv(v)); e != "" {
			return e
		}
	}
	return "vi"
}

// TempBase is where Edit keeps the plaintext: $XDG_RUNTIME_DIR (a tmpfs
// private to the user on most systems), else the system's temporary dir.
func TempBase(getenv func(string) string) string {
	if d := getenv("XDG_RUNTIME_DIR"); d != "" {
		return d
	}
	return os.TempDir()
}

// Edit edits a SOPS Secret as `sops edit` does: decrypt in memory (MAC
// checked), write the plaintext to a private temporary file (0600, in a 0700
// directory, removed on every way out, an interrupt included: ctx cancelled
// kills the editor), run the editor on it, and if the text changed, check
// that it is one valid Secret, encrypt it for the file's age recipients with
// its encrypted_regex, and replace the file atomically. A file that does not
// exist is made from a Secret template, for the recipients of .sops.yaml.
func Edit(ctx context.Context, file string, opts EditOptions) (EditOutcome, error) {
	var (
		plain      []byte
		recipients []string
		regex      string
		perm       os.FileMode = 0o644
		created    bool
	)
	data, err := userfile.Read(file, userfile.SmallLimit)
	switch {
	case errors.Is(err, os.ErrNotExist):
		rule, err := FindCreationRule(file)
		if err != nil {
			return Unchanged, err
		}
		recipients, regex, created = rule.Age, rule.EncryptedRegex, true
		plain = secretTemplate(file)
	case err != nil:
		return Unchanged, err
	default:
		if fi, err := os.Stat(file); err == nil {
			perm = fi.Mode().Perm()
		}
		if recipients, regex, err = editRecipients(data); err != nil {
			return Unchanged, err
		}
		body, err := Decrypt(data)
		if err != nil {
			return Unchanged, err
		}
		if plain, err = manifest.EncodeYAML(body); err != nil {
			return Unchanged, err
		}
	}

	dir, err := os.MkdirTemp(opts.TempBase, "kubenix-edit-")
	if err != nil {
		return Unchanged, err
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, filepath.Base(file))
	if err := os.WriteFile(tmp, plain, 0o600); err != nil {
		return Unchanged, err
	}
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", "exec "+opts.Editor+` "$1"`, "kubenix-edit", tmp)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = opts.Stdin, opts.Stdout, opts.Stderr
	err = cmd.Run()
	if ctx.Err() != nil {
		return Unchanged, ctx.Err()
	}
	if err != nil {
		return Unchanged, &EditorError{fmt.Errorf("%s: %w", opts.Editor, err)}
	}
	edited, err := os.ReadFile(tmp)
	if err != nil {
		return Unchanged, err
	}
	if bytes.Equal(edited, plain) {
		return Unchanged, nil
	}
	if d := checkEdited(file, edited); d.HasErrors() {
		return Unchanged, d.Err()
	}
	enc, err := Encrypt(edited, recipients, regex)
	if err != nil {
		return Unchanged, err
	}
	if err := atomicfile.Write(file, enc, perm); err != nil {
		return Unchanged, err
	}
	if created {
		return Created, nil
	}
	return Replaced, nil
}

// editRecipients are the age recipients and the encrypted_regex to encrypt
// an edited file with. A file with recipients Encrypt cannot make (PGP,
// cloud KMS, key groups) or other encryption rules is left to sops edit,
// rather than re-encrypted for fewer people or differently.
func editRecipients(data []byte) ([]string, string, error) {
	var doc struct {
		SOPS map[string]any `yaml:"sops"`
	}
	if err := kyaml.Unmarshal(data, &doc); err != nil || doc.SOPS == nil {
		return nil, "", &DecryptError{NotSOPS, "not a SOPS file: no sops metadata (encrypt a plaintext Secret with kubenix secrets encrypt)"}
	}
	unsupported := func(what string) error {
		return &DecryptError{Unsupported, "the file has " + what + "; kubenix secrets edit re-encrypts for age recipients and an encrypted_regex only: use sops edit"}
	}
	for _, k := range recipientLists[1:] {
		if l, _ := doc.SOPS[k].([]any); len(l) > 0 {
			return nil, "", unsupported(k + " recipients")
		}
	}
	if g, _ := doc.SOPS["key_groups"].([]any); len(g) > 0 {
		return nil, "", unsupported("key groups")
	}
	for _, k := range []string{"unencrypted_suffix", "encrypted_suffix", "unencrypted_regex", "unencrypted_comment_regex", "encrypted_comment_regex", "mac_only_encrypted"} {
		if v, ok := doc.SOPS[k]; ok && v != "" && v != false {
			return nil, "", unsupported(k)
		}
	}
	regex, _ := doc.SOPS["encrypted_regex"].(string)
	if regex == "" {
		return nil, "", unsupported("no encrypted_regex (every value encrypted, metadata too)")
	}
	var recipients []string
	ages, _ := doc.SOPS["age"].([]any)
	for _, a := range ages {
		m, _ := a.(map[string]any)
		if r, _ := m["recipient"].(string); r != "" {
			recipients = append(recipients, r)
		}
	}
	if len(recipients) == 0 {
		return nil, "", unsupported("no age recipient")
	}
	return recipients, regex, nil
}

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// secretTemplate is the text a new file starts from, named after it.
func secretTemplate(file string) []byte {
	name, _, _ := strings.Cut(filepath.Base(file), ".")
	if !dnsLabel.MatchString(name) {
		name = "my-secret"
	}
	return []byte("apiVersion: v1\nkind: Secret\nmetadata:\n  name: " + name +
		"\n  namespace: default\ntype: Opaque\nstringData:\n  key: value\n")
}

// checkEdited checks that the edited text is one Secret the build takes
// once encrypted. Positions are in the text as edited, which is gone by
// the time they are read: they name FILE "(as edited)". Values are never
// quoted.
func checkEdited(file string, text []byte) diag.List {
	name := file + " (as edited)"
	objs, d := manifest.Read(name, text)
	if d.HasErrors() {
		return d
	}
	c := &sopsCheck{file: name}
	if len(objs) != 1 {
		c.o = &manifest.Object{}
		c.fail(nil, "the edited file holds %d objects; kubenix secrets edit keeps one Secret", len(objs))
		return c.edited(file)
	}
	c.o, c.fields = objs[0], objs[0].Origin.Fields
	body := c.o.Body
	if c.o.APIVersion != "v1" || c.o.Kind != "Secret" {
		c.fail([]any{"kind"}, "the edited file is %s %s, not a v1 Secret", c.o.APIVersion, c.o.Kind)
	}
	if _, ok := body["sops"]; ok {
		c.fail([]any{"sops"}, "the edited file has sops metadata; leave it out, it is made again on save")
	}
	c.plainMetadata(body)
	if m, _ := body["metadata"].(map[string]any); m != nil {
		if ns, _ := m["namespace"].(string); ns == "" {
			c.fail([]any{"metadata"}, "the Secret must name its namespace (metadata.namespace): the build cannot add one to a SOPS file")
		}
	}
	for _, field := range valueFields {
		m, ok := body[field].(map[string]any)
		if !ok {
			if body[field] != nil {
				c.fail([]any{field}, "%s is not a map of keys to values", field)
			}
			continue
		}
		for k, v := range m {
			if !secretKey.MatchString(k) {
				c.fail([]any{field, k}, "key %q of %s is not a valid Secret key (letters, digits, '-', '_' and '.')", k, field)
			}
			s, isString := v.(string)
			switch {
			case v != nil && !isString:
				c.fail([]any{field, k}, "%s key %s is not a string", field, k)
			case field == "data" && s != "":
				if _, err := base64.StdEncoding.DecodeString(s); err != nil {
					c.fail([]any{field, k}, "data key %s is not base64 (put text under stringData)", k)
				}
			}
		}
	}
	return c.edited(file)
}

func (c *sopsCheck) edited(file string) diag.List {
	for i := range c.diags {
		c.diags[i].Hint = file + " is unchanged; run kubenix secrets edit " + file + " again to fix it"
	}
	return c.diags
}
