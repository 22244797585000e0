package lock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// A kubenix.lock comes with the repository it is in: any bytes either parse
// into a lock whose pins are digests, which writes and reads back the same,
// or fail; never a panic.
func FuzzParse(f *testing.F) {
	hex := strings.Repeat("ab", 32)
	f.Add([]byte(`{"version":1,"images":{"nginx:1.27":{"digest":"sha256:` + hex + `"}}}`))
	f.Add([]byte(`{"version":1,"charts":{"r/c@1":{"repo":"https://x","chart":"c","version":"1","url":"https://x/c-1.tgz","sha256":"` + hex + `"}}}`))
	f.Add([]byte(`{"version":1,"images":{"nginx:1.27":{"digest":"sha256:not-a-digest"}}}`))
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		lf, err := Parse("kubenix.lock", data)
		if err != nil {
			return
		}
		for ref, img := range lf.Images {
			if !imageDigest.MatchString(img.Digest) {
				t.Fatalf("image %s accepted with digest %q", ref, img.Digest)
			}
		}
		b, err := json.MarshalIndent(lf, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		again, err := Parse("kubenix.lock", b)
		if err != nil {
			t.Fatalf("a parsed lock, written, does not parse: %v\n%s", err, b)
		}
		if b2, _ := json.MarshalIndent(again, "", "  "); !bytes.Equal(b, b2) {
			t.Fatalf("round trip changed the lock:\n%s\n%s", b, b2)
		}
	})
}

// A field a lock does not have is refused at its line; so is an image key
// that is not a reference. Fields differing only in case are what
// json.Unmarshal reads them as.
func TestParseRefusesUnknown(t *testing.T) {
	hex := strings.Repeat("ab", 32)
	for in, want := range map[string]string{
		"{\"version\": 1,\n \"imgaes\": {}}": `kubenix.lock:2:2: unknown field "imgaes"`,
		"{\"version\": 1, \"images\": {\"a:1\": {\"digest\": \"sha256:" + hex + "\",\n\"tag\": 1}}}": `kubenix.lock:2:1: unknown field "tag"`,
		"{\"version\": 1, \"images\": {\"NOT A REF\": {\"digest\": \"sha256:" + hex + "\"}}}":        `kubenix.lock:1:27: images: "NOT A REF" is not an image reference`,
		"{\"version\": 1, \"Images\": {\"a:1\": {\"Digest\": \"sha256:" + hex + "\"}}}":              "",
	} {
		_, err := Parse("kubenix.lock", []byte(in))
		if got := fmt.Sprint(err); want == "" && err != nil || want != "" && !strings.HasPrefix(got, want) {
			t.Errorf("%s:\n got %v\nwant %s", in, err, want)
		}
	}
}
