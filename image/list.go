package image

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
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

// Bounds of an image list: a result's images.txt is data from wherever the
// result came from (a commit, a pull request), read strictly.
const (
	maxListLines = 100_000
	maxListLine  = 64 << 10
)

// ListError is a line of an image list that is not what FormatList writes.
type ListError struct {
	Line int
	Msg  string
}

func (e *ListError) Error() string { return fmt.Sprintf("%s line %d: %s", ListFile, e.Line, e.Msg) }

// ParseList reads an image list, as FormatList writes it and nothing else:
// known pin kinds, valid references, archives that are clean absolute paths.
func ParseList(data []byte) ([]*Info, error) {
	var out []*Info
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), maxListLine)
	n := 0
	for sc.Scan() {
		n++
		if n > maxListLines {
			return nil, &ListError{n, fmt.Sprintf("more than %d lines", maxListLines)}
		}
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !utf8.ValidString(line) || strings.ContainsFunc(line, func(r rune) bool { return r != '\t' && unicode.IsControl(r) }) {
			return nil, &ListError{n, "control characters or invalid UTF-8"}
		}
		f := strings.SplitN(line, "\t", 4)
		if len(f) != 4 {
			return nil, &ListError{n, "expected 4 tab-separated fields"}
		}
		info := &Info{Ref: f[0], Pin: PinKind(f[1]), Objects: strings.Split(f[3], ", ")}
		switch info.Pin {
		case PinStoreHash, PinDigest, PinLock, PinSnapshotter, PinNone:
		default:
			return nil, &ListError{n, fmt.Sprintf("unknown pin %q", f[1])}
		}
		if err := Validate(f[0]); err != nil {
			return nil, &ListError{n, err.Error()}
		}
		if f[2] != "-" {
			if !filepath.IsAbs(f[2]) || filepath.Clean(f[2]) != f[2] {
				return nil, &ListError{n, fmt.Sprintf("the archive %q is not a clean absolute path", f[2])}
			}
			info.Archive = f[2]
		}
		if _, d, ok := strings.Cut(f[0], "@"); ok {
			if !digestRE.MatchString(d) {
				return nil, &ListError{n, fmt.Sprintf("%q is not a sha256 digest", d)}
			}
			info.Digest = d
		}
		out = append(out, info)
	}
	if errors.Is(sc.Err(), bufio.ErrTooLong) {
		return nil, &ListError{n + 1, fmt.Sprintf("longer than %d KiB", maxListLine>>10)}
	}
	return out, sc.Err()
}

var digestRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
