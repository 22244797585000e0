package image

import (
	"reflect"
	"strings"
	"testing"
)

// images.txt comes with a result from wherever the result came from: any
// bytes either parse into what FormatList would write again, or fail with a
// ListError; never a panic.
func FuzzParseList(f *testing.F) {
	f.Add([]byte("# header\nlocalhost:5000/shop/web:0123456789abcdfghijklmnpqrsvwxyz\tstore-hash\t/nix/store/0123456789abcdfghijklmnpqrsvwxyz-web.tar\tDeployment/shop/web\n"))
	f.Add([]byte("nginx:1.27@sha256:" + strings.Repeat("a", 64) + "\tlock\t-\tDeployment/shop/web, Job/shop/x\n"))
	f.Add([]byte("nix:0/nix/store/x-image.tar\tsnapshotter\t-\tPod/a/b\n"))
	f.Add([]byte("x\texec\t../evil\ty\n"))
	f.Add([]byte("a\tb\n\x00\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		infos, err := ParseList(data)
		if err != nil {
			return
		}
		again, err := ParseList(FormatList(infos))
		if err != nil {
			t.Fatalf("FormatList wrote what ParseList refuses: %v\n%s", err, FormatList(infos))
		}
		if !reflect.DeepEqual(infos, again) && len(infos)+len(again) > 0 {
			t.Fatalf("round trip changed the list:\n%#v\n%#v", infos, again)
		}
	})
}
