// Command sops-tool encrypts and decrypts Secrets with the sops library
// itself (github.com/getsops/sops/v3), for the tests of kubenix's SOPS
// support: files made as the sops CLI makes them, and a decryption that is
// not kubenix's own. A module of its own so that the main module does not
// depend on every key service sops links (AWS, GCP, Azure, Vault, ...).
//
//	sops-tool keygen                         identity on line 1, recipient on line 2
//	sops-tool encrypt RECIPIENT < plain.yaml > enc.yaml   (data and stringData encrypted)
//	sops-tool decrypt < enc.yaml > plain.yaml             (keys: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE)
package main

import (
	"fmt"
	"io"
	"os"

	"filippo.io/age"
	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/aes"
	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/cmd/sops/common"
	"github.com/getsops/sops/v3/cmd/sops/formats"
	"github.com/getsops/sops/v3/config"
	"github.com/getsops/sops/v3/decrypt"
	"github.com/getsops/sops/v3/keys"
	"github.com/getsops/sops/v3/keyservice"
	"github.com/getsops/sops/v3/stores/yaml"
	"github.com/getsops/sops/v3/version"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "sops-tool:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: sops-tool keygen | encrypt RECIPIENT | decrypt")
	}
	switch args[0] {
	case "keygen":
		id, err := age.GenerateX25519Identity()
		if err != nil {
			return err
		}
		fmt.Println(id.String())
		fmt.Println(id.Recipient().String())
		return nil
	case "encrypt":
		if len(args) != 2 {
			return fmt.Errorf("encrypt takes one RECIPIENT")
		}
		in, err := io.ReadAll(os.Stdin)
		if err != nil {
			return err
		}
		out, err := encrypt(in, args[1])
		if err != nil {
			return err
		}
		_, err = os.Stdout.Write(out)
		return err
	case "decrypt":
		in, err := io.ReadAll(os.Stdin)
		if err != nil {
			return err
		}
		out, err := decrypt.DataWithFormat(in, formats.Yaml)
		if err != nil {
			return err
		}
		_, err = os.Stdout.Write(out)
		return err
	}
	return fmt.Errorf("unknown command %q", args[0])
}

// encrypt does what `sops --encrypt --age RECIPIENT
// --encrypted-regex '^(data|stringData)$'` does.
func encrypt(plain []byte, recipient string) ([]byte, error) {
	store := yaml.NewStore(&config.YAMLStoreConfig{})
	branches, err := store.LoadPlainFile(plain)
	if err != nil {
		return nil, err
	}
	ageKeys, err := sopsage.MasterKeysFromRecipients(recipient)
	if err != nil {
		return nil, err
	}
	var group sops.KeyGroup
	for _, k := range ageKeys {
		group = append(group, keys.MasterKey(k))
	}
	tree := sops.Tree{Branches: branches, Metadata: sops.Metadata{
		KeyGroups: []sops.KeyGroup{group}, EncryptedRegex: "^(data|stringData)$", Version: version.Version,
	}}
	dataKey, errs := tree.GenerateDataKeyWithKeyServices([]keyservice.KeyServiceClient{keyservice.NewLocalClient()})
	if len(errs) > 0 {
		return nil, fmt.Errorf("data key: %v", errs)
	}
	if err := common.EncryptTree(common.EncryptTreeOpts{DataKey: dataKey, Tree: &tree, Cipher: aes.NewCipher()}); err != nil {
		return nil, err
	}
	return store.EmitEncryptedFile(tree)
}
