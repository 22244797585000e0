package objdiff

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
)

// The JSON output (kubenix diff -o json). Its schema is part of the
// command's interface: fields are only ever added.
type jsonResult struct {
	Old     string       `json:"old"` // the sides as the command line named them
	New     string       `json:"new"`
	Differ  bool         `json:"differ"`
	Summary Summary      `json:"summary"`
	Objects []jsonObject `json:"objects"` // every object of both sides, in install order
	// SOPS Secrets whose values were not compared, for want of a key
	ValuesNotCompared []string `json:"valuesNotCompared,omitempty"`
}

type jsonObject struct {
	ID         string    `json:"id"` // Kind/namespace/name, as the text output names it
	Status     Status    `json:"status"`
	Group      string    `json:"group"` // "" for the core group
	Kind       string    `json:"kind"`
	Namespace  string    `json:"namespace,omitempty"`
	Name       string    `json:"name"`
	Old        *jsonSide `json:"old,omitempty"` // absent when added
	New        *jsonSide `json:"new,omitempty"` // absent when removed
	Insertions int       `json:"insertions"`
	Deletions  int       `json:"deletions"`
	Diff       string    `json:"diff,omitempty"` // unified diff; for added and removed objects, against /dev/null
}

type jsonSide struct {
	APIVersion string `json:"apiVersion"`
	File       string `json:"file"`
}

// WriteJSON writes the result for tools: what encoding/json writes with
// an indent of two spaces, one object at a time, so that a result of
// tens of thousands of objects is not held in memory twice more.
func WriteJSON(w io.Writer, r *Result) error {
	head := jsonResult{Old: r.Old, New: r.New, Differ: r.Differ(), Summary: r.Summary(), Objects: []jsonObject{},
		ValuesNotCompared: r.ValuesNotCompared()}
	b, err := json.MarshalIndent(head, "", "  ")
	if err != nil {
		return err
	}
	// Quotes inside the strings before it are escaped: this is the key.
	const empty = `"objects": []`
	i := bytes.Index(b, []byte(empty))
	bw := bufio.NewWriter(w)
	if len(r.Changes) == 0 {
		bw.Write(b)
	} else {
		bw.Write(b[:i+len(empty)-1])
		for n, c := range r.Changes {
			o, err := json.MarshalIndent(jsonChange(c), "    ", "  ")
			if err != nil {
				return err
			}
			if n > 0 {
				bw.WriteByte(',')
			}
			bw.WriteString("\n    ")
			bw.Write(o)
		}
		bw.WriteString("\n  ]")
		bw.Write(b[i+len(empty):])
	}
	bw.WriteByte('\n')
	return bw.Flush()
}

func jsonChange(c Change) jsonObject {
	o := jsonObject{ID: c.ID, Status: c.Status, Group: c.Key.Group, Kind: c.Key.Kind, Namespace: c.Key.Namespace, Name: c.Key.Name,
		Insertions: c.Insertions, Deletions: c.Deletions, Diff: c.Diff}
	if c.Old != nil {
		o.Old = &jsonSide{APIVersion: c.Old.object().APIVersion, File: c.Old.File}
	}
	if c.New != nil {
		o.New = &jsonSide{APIVersion: c.New.object().APIVersion, File: c.New.File}
	}
	return o
}
