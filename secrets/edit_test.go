package secrets_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kubenix/kubenix/internal/sopstest"
	"github.com/kubenix/kubenix/secrets"
)

// An interrupt (main cancels ctx on SIGINT) while the editor runs stops
// it and removes the plaintext; the file is untouched.
func TestEditInterrupted(t *testing.T) {
	k := sopstest.NewKey(t)
	useKey(t, k)
	dir := t.TempDir()
	file := filepath.Join(dir, "db.sops.yaml")
	enc := sopstest.Encrypt(t, k, []byte(plainSecret))
	if err := os.WriteFile(file, enc, 0o644); err != nil {
		t.Fatal(err)
	}
	base, mark := t.TempDir(), filepath.Join(dir, "editing")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for {
			if _, err := os.Stat(mark); err == nil {
				cancel()
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	editor := filepath.Join(dir, "editor")
	script := "#!/bin/sh\nsed -i 's/port: .*/port: \"1\"/' \"$1\"\ntouch " + mark + "\nexec sleep 30\n"
	if err := os.WriteFile(editor, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := secrets.Edit(ctx, file, secrets.EditOptions{Editor: editor, TempBase: base})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Edit: %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the editor was not stopped (%v)", d)
	}
	if entries, _ := os.ReadDir(base); len(entries) != 0 {
		t.Errorf("the plaintext is left: %v", entries)
	}
	if b, _ := os.ReadFile(file); !bytes.Equal(b, enc) {
		t.Error("the file changed")
	}
}
