package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/internal/atomicfile"
	"github.com/kubenix/kubenix/internal/userfile"
	"github.com/kubenix/kubenix/manifest"
	"github.com/kubenix/kubenix/secrets"
)

func (a *app) secretsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "secrets",
		Short: "Encrypt Secrets with SOPS, for kubenix.secrets.sops, and view them",
		Long: `kubenix refuses Secrets with values in plain text; kubenix.secrets.sops takes a
Secret encrypted with SOPS (age recipients) and keeps it encrypted through the
build, for kubenix apply or Flux to decrypt. 'kubenix secrets encrypt' makes
such a file as the sops CLI does, so no second tool is needed; 'kubenix secrets
edit' changes one in your editor; 'kubenix secrets view' decrypts one to the
terminal (README: Secrets).`,
		Example: `  kubectl create secret generic db -n shop --from-literal=password=... --dry-run=client -o yaml > db.yaml
  kubenix secrets encrypt db.yaml -o db.sops.yaml && rm db.yaml
  kubenix secrets edit db.sops.yaml
  kubenix secrets view db.sops.yaml`,
	}
	cmd.AddCommand(a.secretsEditCommand(), a.secretsEncryptCommand(), a.secretsViewCommand())
	return cmd
}

func (a *app) secretsEditCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "edit FILE",
		Short: "Edit a SOPS Secret in your editor and encrypt it again",
		Long: `Edit FILE, a SOPS-encrypted Secret, as 'sops edit' does: it is decrypted in
memory with your age key (as for kubenix apply; the MAC is checked), written in
plain text to a private temporary file (mode 0600, in a 0700 directory under
$XDG_RUNTIME_DIR, or the system's temporary directory) while $VISUAL or
$EDITOR (default vi) runs on it, and removed when the editor exits, on an
error or an interrupt. If the text changed and is one valid Secret, it is
encrypted again for the file's age recipients, with its encrypted_regex, and
FILE is replaced atomically; otherwise FILE is left as it was, byte for byte.

A FILE that does not exist is made from a Secret template, encrypted for the
recipients of the nearest .sops.yaml (as kubenix secrets encrypt).`,
		Example: `  kubenix secrets edit db.sops.yaml
  EDITOR=nano kubenix secrets edit new.sops.yaml`,
		Args: usageArgs(1, "one FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.editSecret(cmd.Context(), args[0])
		},
	}
}

func (a *app) editSecret(ctx context.Context, file string) error {
	outcome, err := secrets.Edit(ctx, file, secrets.EditOptions{
		Editor:   secrets.Editor(os.Getenv),
		TempBase: secrets.TempBase(os.Getenv),
		Stdin:    os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
	})
	var (
		de *secrets.DecryptError
		ee *secrets.EditorError
		ii *diag.InvalidInput
	)
	switch {
	case err == nil:
	case errors.As(err, &ii) || ctx.Err() != nil:
		return err
	case errors.As(err, &ee):
		return &diag.UsageError{Err: fmt.Errorf("%s: %w; the file is untouched", file, err)}
	case errors.As(err, &de):
		return secrets.Failed(file, nil, err)
	default:
		return &diag.UsageError{Err: fmt.Errorf("%s: %w", file, err)}
	}
	switch outcome {
	case secrets.Unchanged:
		fmt.Fprintf(a.stderr, "kubenix: no change; %s is untouched\n", file)
	case secrets.Created:
		fmt.Fprintf(a.stderr, "kubenix: %s created, encrypted for the recipients of .sops.yaml\n", file)
	case secrets.Replaced:
		fmt.Fprintf(a.stderr, "kubenix: %s encrypted again for its recipients\n", file)
	}
	return nil
}

func (a *app) secretsViewCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "view FILE",
		Short: "Decrypt a SOPS Secret to the terminal",
		Long: `Decrypt FILE, a SOPS-encrypted Secret, in memory with your age key
(SOPS_AGE_KEY_FILE, SOPS_AGE_KEY or ~/.config/sops/age/keys.txt, as for
kubenix apply) and print it in plain text, only when stdout is a terminal:
piped or redirected, it refuses (exit 2), so that the plaintext does not end
up in a file by accident. The MAC is checked; a changed file is refused.`,
		Example: `  kubenix secrets view db.sops.yaml`,
		Args:    usageArgs(1, "one FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, ok := a.stdout.(*os.File)
			return viewSecret(a.stdout, ok && term.IsTerminal(int(f.Fd())), args[0])
		},
	}
}

// viewSecret decrypts file and writes it to w, a terminal: anything else
// is refused before the file is read.
func viewSecret(w io.Writer, isTerminal bool, file string) error {
	if !isTerminal {
		return &diag.UsageError{Err: errors.New("kubenix secrets view prints decrypted values to a terminal only; stdout is not one"),
			Hint: "run it in a terminal; to apply the Secret, kubenix apply decrypts it in memory"}
	}
	data, err := userfile.Read(file, userfile.SmallLimit)
	if err != nil {
		return &diag.UsageError{Err: err}
	}
	body, err := secrets.Decrypt(data)
	if err != nil {
		return secrets.Failed(file, nil, err)
	}
	out, err := manifest.EncodeYAML(body)
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}

func (a *app) secretsEncryptCommand() *cobra.Command {
	var (
		recipients []string
		out        string
		regex      string
	)
	cmd := &cobra.Command{
		Use:   "encrypt FILE",
		Short: "Encrypt a Secret manifest with SOPS for age recipients",
		Long: `Encrypt FILE, a Secret manifest, as 'sops --encrypt' does: its data and
stringData values (--encrypted-regex) are encrypted with a new data key, the
data key for each age recipient, and the file gets sops metadata with a MAC;
the name, namespace and type stay readable, as kubenix.secrets.sops and Flux
need. The recipients are those of the first creation rule of the nearest
.sops.yaml whose path_regex matches FILE, or --age.

The result goes to stdout, or to -o OUT (written whole or not at all).
Nothing is decrypted here, and nothing in plain text is written.`,
		Example: `  kubenix secrets encrypt db.yaml -o db.sops.yaml
  kubenix secrets encrypt db.yaml --age age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p > db.sops.yaml`,
		Args: usageArgs(1, "one FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(recipients) > 0 {
				if _, err := secrets.ParseRecipients(splitAll(recipients)); err != nil {
					return &diag.UsageError{Err: fmt.Errorf("--age: %w", err), Hint: "an age recipient is the public key age-keygen prints (age1...)"}
				}
			}
			plain, err := userfile.Read(args[0], userfile.SmallLimit)
			if err != nil {
				return &diag.UsageError{Err: err}
			}
			if len(recipients) == 0 {
				rule, err := secrets.FindCreationRule(args[0])
				if err != nil {
					return &diag.UsageError{Err: err, Hint: "write a .sops.yaml with creation_rules (age: age1...), or pass --age"}
				}
				recipients = rule.Age
				if regex == "" {
					regex = rule.EncryptedRegex
				}
			}
			enc, err := secrets.Encrypt(plain, splitAll(recipients), regex)
			if err != nil {
				return diag.List{{Severity: diag.Error, Pos: diag.Pos{File: args[0]}, Message: "cannot encrypt: " + err.Error()}}.Err()
			}
			if out == "" {
				_, err = a.stdout.Write(enc)
				return err
			}
			if _, err := os.Stat(out); err == nil {
				return &diag.UsageError{Err: errors.New(out + " exists; kubenix does not overwrite it"), Hint: "edit an encrypted Secret with kubenix secrets edit, or remove it first"}
			}
			if err := atomicfile.Write(out, enc, 0o644); err != nil {
				return &diag.UsageError{Err: err}
			}
			fmt.Fprintf(a.stderr, "kubenix: %s encrypted for %d age recipients into %s; the plaintext %s can go\n", args[0], len(splitAll(recipients)), out, args[0])
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&recipients, "age", nil, "an age `RECIPIENT` (age1...) to encrypt for, instead of .sops.yaml's (repeatable, or comma-separated)")
	f.StringVarP(&out, "output", "o", "", "write the encrypted file to `OUT` instead of stdout")
	f.StringVar(&regex, "encrypted-regex", "", "encrypt the values under keys matching `REGEX` (default ^(data|stringData)$, or .sops.yaml's)")
	return cmd
}

func splitAll(list []string) []string {
	var out []string
	for _, s := range list {
		for _, r := range strings.Split(s, ",") {
			if r = strings.TrimSpace(r); r != "" {
				out = append(out, r)
			}
		}
	}
	return out
}
