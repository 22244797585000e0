package nixstore

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// Node is a file system tree in the shape a NAR can hold: a regular file
// (optionally executable), a symlink, or a directory of named nodes.
type Node struct {
	Type       NodeType
	Contents   []byte           // regular files
	Executable bool             // regular files
	Target     string           // symlinks
	Entries    map[string]*Node // directories
}

// NodeType is the kind of a Node.
type NodeType int

// The node types a NAR knows.
const (
	Regular NodeType = iota
	Symlink
	Directory
)

// File returns a regular file node.
func File(contents []byte) *Node { return &Node{Type: Regular, Contents: contents} }

// Link returns a symlink node.
func Link(target string) *Node { return &Node{Type: Symlink, Target: target} }

// Dir returns an empty directory node.
func Dir() *Node { return &Node{Type: Directory, Entries: map[string]*Node{}} }

// WriteNAR serialises n in the Nix Archive format. The output depends only on
// the tree: entries are sorted by name and nothing else (times, owners) is recorded.
func WriteNAR(w io.Writer, n *Node) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	e := narEncoder{w: bw}
	e.str("nix-archive-1")
	e.node(n)
	if e.err != nil {
		return e.err
	}
	return bw.Flush()
}

type narEncoder struct {
	w   *bufio.Writer
	err error
	buf [8]byte
}

func (e *narEncoder) u64(v uint64) {
	if e.err != nil {
		return
	}
	binary.LittleEndian.PutUint64(e.buf[:], v)
	_, e.err = e.w.Write(e.buf[:])
}

func (e *narEncoder) bytes(b []byte) {
	e.u64(uint64(len(b)))
	if e.err != nil {
		return
	}
	if _, e.err = e.w.Write(b); e.err != nil {
		return
	}
	if pad := (8 - len(b)%8) % 8; pad > 0 {
		var zero [8]byte
		_, e.err = e.w.Write(zero[:pad])
	}
}

func (e *narEncoder) str(s string) { e.bytes([]byte(s)) }

func (e *narEncoder) node(n *Node) {
	e.str("(")
	e.str("type")
	switch n.Type {
	case Regular:
		e.str("regular")
		if n.Executable {
			e.str("executable")
			e.str("")
		}
		e.str("contents")
		e.bytes(n.Contents)
	case Symlink:
		e.str("symlink")
		e.str("target")
		e.str(n.Target)
	case Directory:
		e.str("directory")
		names := make([]string, 0, len(n.Entries))
		for name := range n.Entries {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			e.str("entry")
			e.str("(")
			e.str("name")
			e.str(name)
			e.str("node")
			e.node(n.Entries[name])
			e.str(")")
		}
	default:
		if e.err == nil {
			e.err = fmt.Errorf("nar: unknown node type %d", n.Type)
		}
	}
	e.str(")")
}

// ReadTree loads a file system tree from disk into a Node, following no
// symlinks. Anything but regular files, symlinks and directories is an error.
func ReadTree(path string) (*Node, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	switch mode := fi.Mode(); {
	case mode.IsRegular():
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		return &Node{Type: Regular, Contents: b, Executable: mode&0o100 != 0}, nil
	case mode&os.ModeSymlink != 0:
		t, err := os.Readlink(path)
		if err != nil {
			return nil, err
		}
		return Link(t), nil
	case mode.IsDir():
		ents, err := os.ReadDir(path)
		if err != nil {
			return nil, err
		}
		d := Dir()
		for _, ent := range ents {
			c, err := ReadTree(filepath.Join(path, ent.Name()))
			if err != nil {
				return nil, err
			}
			d.Entries[ent.Name()] = c
		}
		return d, nil
	default:
		return nil, fmt.Errorf("%s: cannot be archived (mode %s)", path, mode)
	}
}
