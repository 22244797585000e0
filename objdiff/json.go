package objdiff

import (
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

// WriteJSON writes the result for tools.
func WriteJSON(w io.Writer, r *Result) error {
	out := jsonResult{Old: r.Old, New: r.New, Differ: r.Differ(), Summary: r.Summary(), Objects: []jsonObject{},
		ValuesNotCompared: r.ValuesNotCompared()}
	for _, c := range r.Changes {
		o := jsonObject{ID: c.ID, Status: c.Status, Group: c.Key.Group, Kind: c.Key.Kind, Namespace: c.Key.Namespace, Name: c.Key.Name,
			Insertions: c.Insertions, Deletions: c.Deletions, Diff: c.Diff}
		if c.Old != nil {
			o.Old = &jsonSide{APIVersion: c.Old.Object.APIVersion, File: c.Old.File}
		}
		if c.New != nil {
			o.New = &jsonSide{APIVersion: c.New.Object.APIVersion, File: c.New.File}
		}
		out.Objects = append(out.Objects, o)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
