package image

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

// ListFile is the name of the image list in a result directory. kubectl
// reads only .yaml, .yml and .json files, so it ignores this one.
const ListFile = "images.txt"

// FormatList writes the image list of a result: one line per image,
// tab-separated: the reference as written, how it is pinned, the archive
// of a Nix-built image ("-" otherwise), and where it is used.
func FormatList(images []*Info) []byte {
	var b bytes.Buffer
	b.WriteString("# The images of this kubenix result: reference, pin, Nix archive, used by.\n")
	b.WriteString("# kubenix registry serve reads it; kubectl does not.\n")
	for _, img := range images {
		archive := img.Archive
		if archive == "" {
			archive = "-"
		}
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\n", img.Ref, img.Pin, archive, strings.Join(img.Objects, ", "))
	}
	return b.Bytes()
}

// ParseList reads an image list.
func ParseList(data []byte) ([]*Info, error) {
	var out []*Info
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.SplitN(line, "\t", 4)
		if len(f) != 4 {
			return nil, fmt.Errorf("%s line %d: expected 4 tab-separated fields", ListFile, n)
		}
		info := &Info{Ref: f[0], Pin: PinKind(f[1]), Objects: strings.Split(f[3], ", ")}
		if f[2] != "-" {
			info.Archive = f[2]
		}
		if _, d, ok := strings.Cut(f[0], "@"); ok {
			info.Digest = d
		}
		out = append(out, info)
	}
	return out, sc.Err()
}
