// Command gen builds schema/data/kubernetes.zip, the Kubernetes OpenAPI data
// kubenix embeds: for each supported minor version, the OpenAPI v3 schemas
// of api/openapi-spec/v3 and the API discovery documents of api/discovery in
// the k8s.io/kubernetes Go module, plus the enum values of k8s.io/api's Go
// types (the published OpenAPI omits them). Run it with `go generate ./schema`;
// it needs the Go module proxy, and its output is deterministic.
package main

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
)

// versions are the newest patch releases of each supported minor version
// whose modules the Go module proxy serves and the checksum database knows.
var versions = []struct{ kubernetes, api string }{
	{"v1.30.14", "v0.30.14"},
	{"v1.31.14", "v0.31.14"},
	{"v1.32.13", "v0.32.13"},
	{"v1.33.13", "v0.33.13"},
	{"v1.34.10", "v0.34.10"},
	{"v1.35.8", "v0.35.8"},
	{"v1.36.4", "v0.36.4"},
	{"v1.37.1", "v0.37.1"},
}

func main() {
	out := flag.String("o", "data/kubernetes.zip", "output file")
	flag.Parse()
	arch := archive{defs: map[string][]byte{}, docs: map[string][]byte{}}
	for _, v := range versions {
		idx, err := arch.addVersion(v.kubernetes, v.api)
		if err != nil {
			fail("%s: %v", v.kubernetes, err)
		}
		arch.index.Versions = append(arch.index.Versions, idx)
		fmt.Fprintf(os.Stderr, "gen: %s: %d definitions, %d resources\n", v.kubernetes, len(idx.Definitions), len(idx.Resources))
	}
	b, err := arch.zip()
	if err != nil {
		fail("%v", err)
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		fail("%v", err)
	}
	fmt.Fprintf(os.Stderr, "gen: wrote %s: %d unique definitions, %d bytes\n", *out, len(arch.defs), len(b))
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "gen: "+format+"\n", args...)
	os.Exit(1)
}

// Index is index.json: what each version has. The runtime reads the same
// shape (schema/data.go).
type Index struct {
	Generated string         `json:"generated"`
	Versions  []VersionIndex `json:"versions"`
}

// VersionIndex describes one Kubernetes minor version.
type VersionIndex struct {
	Version     string            `json:"version"` // "1.37"
	Source      string            `json:"source"`  // module versions it came from
	Definitions map[string]string `json:"definitions,omitempty"`
	Resources   []Resource        `json:"resources,omitempty"`
	Preferred   map[string]string `json:"preferred,omitempty"` // group -> preferred version
}

// Resource is one creatable API resource.
type Resource struct {
	Group      string   `json:"group"`
	Version    string   `json:"version"`
	Kind       string   `json:"kind"`
	Plural     string   `json:"plural"`
	Singular   string   `json:"singular"`
	Namespaced bool     `json:"namespaced"`
	ShortNames []string `json:"shortNames,omitempty"`
	Definition string   `json:"definition"`
}

type archive struct {
	index Index
	defs  map[string][]byte // hash -> trimmed definition JSON, without descriptions
	docs  map[string][]byte // hash -> the definition's descriptions (for explain)
}

func download(mod string) (string, error) {
	cmd := exec.Command("go", "mod", "download", "-json", mod)
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	out, err := cmd.Output()
	var info struct{ Dir, Error string }
	json.Unmarshal(out, &info)
	if info.Error != "" {
		return "", fmt.Errorf("%s", info.Error)
	}
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %v", mod, err)
	}
	return info.Dir, nil
}

func (a *archive) addVersion(kube, api string) (VersionIndex, error) {
	minor := strings.Join(strings.Split(strings.TrimPrefix(kube, "v"), ".")[:2], ".")
	idx := VersionIndex{Version: minor, Source: "k8s.io/kubernetes@" + kube + " k8s.io/api@" + api,
		Definitions: map[string]string{}, Preferred: map[string]string{"": "v1"}}
	kdir, err := download("k8s.io/kubernetes@" + kube)
	if err != nil {
		return idx, err
	}
	adir, err := download("k8s.io/api@" + api)
	if err != nil {
		return idx, err
	}
	enums, err := goEnums(adir)
	if err != nil {
		return idx, err
	}

	// Definitions: every schema of every group-version document.
	specs, _ := filepath.Glob(filepath.Join(kdir, "api", "openapi-spec", "v3", "*.json"))
	slices.Sort(specs)
	raw := map[string]map[string]any{}
	for _, f := range specs {
		var doc struct {
			Components struct {
				Schemas map[string]map[string]any `json:"schemas"`
			} `json:"components"`
		}
		if err := readJSON(f, &doc); err != nil {
			return idx, err
		}
		for name, s := range doc.Components.Schemas {
			if _, ok := raw[name]; !ok {
				raw[name] = s
			}
		}
	}
	gvkDef := map[string]string{} // group/version/kind -> definition
	for name, s := range raw {
		t := trim(s, name, enums)
		docs := splitDocs(t)
		b, err := json.Marshal(t) // map keys sorted: deterministic
		if err != nil {
			return idx, err
		}
		d, err := json.Marshal(docs)
		if err != nil {
			return idx, err
		}
		sum := sha256.Sum256(append(append(b, 0), d...))
		h := hex.EncodeToString(sum[:12])
		a.defs[h] = b
		a.docs[h] = d
		idx.Definitions[name] = h
		if gvks, ok := s["x-kubernetes-group-version-kind"].([]any); ok {
			for _, g := range gvks {
				m := g.(map[string]any)
				gvkDef[fmt.Sprint(m["group"], "/", m["version"], "/", m["kind"])] = name
			}
		}
	}

	// Resources: from discovery, the kinds one can create.
	docs, _ := filepath.Glob(filepath.Join(kdir, "api", "discovery", "*.json"))
	slices.Sort(docs)
	for _, f := range docs {
		base := filepath.Base(f)
		if strings.HasPrefix(base, "aggregated") {
			continue
		}
		var d struct {
			Kind             string `json:"kind"`
			GroupVersion     string `json:"groupVersion"`
			Name             string `json:"name"`
			PreferredVersion struct {
				Version string `json:"version"`
			} `json:"preferredVersion"`
			Resources []struct {
				Name, SingularName, Kind string
				Namespaced               bool
				Verbs, ShortNames        []string
			} `json:"resources"`
		}
		if err := readJSON(f, &d); err != nil {
			return idx, err
		}
		if d.Kind == "APIGroup" {
			idx.Preferred[d.Name] = d.PreferredVersion.Version
			continue
		}
		if d.Kind != "APIResourceList" {
			continue
		}
		group, version, ok := strings.Cut(d.GroupVersion, "/")
		if !ok {
			group, version = "", d.GroupVersion
		}
		for _, r := range d.Resources {
			if strings.Contains(r.Name, "/") || !slices.Contains(r.Verbs, "create") {
				continue
			}
			def := gvkDef[group+"/"+version+"/"+r.Kind]
			if def == "" {
				return idx, fmt.Errorf("no OpenAPI definition for %s/%s %s", group, version, r.Kind)
			}
			idx.Resources = append(idx.Resources, Resource{
				Group: group, Version: version, Kind: r.Kind, Plural: r.Name, Singular: r.SingularName,
				Namespaced: r.Namespaced, ShortNames: r.ShortNames, Definition: def,
			})
		}
	}
	sort.Slice(idx.Resources, func(i, j int) bool {
		a, b := idx.Resources[i], idx.Resources[j]
		return a.Group+"/"+a.Version+"/"+a.Kind < b.Group+"/"+b.Version+"/"+b.Kind
	})
	return idx, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func (a *archive) zip() ([]byte, error) {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	w.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestCompression)
	})
	a.index.Generated = "by `go generate ./schema` (schema/gen) from " + sources() +
		"; versions/V.json names each definition's blob in defs/ (validation) and docs/ (descriptions) by content hash"
	// index.json lists the versions; each version's index is its own file,
	// so a build reads only the one it targets.
	var listing Index
	listing.Generated = a.index.Generated
	perVersion := map[string][]byte{}
	for _, v := range a.index.Versions {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		perVersion[v.Version] = b
		listing.Versions = append(listing.Versions, VersionIndex{Version: v.Version, Source: v.Source})
	}
	idx, err := json.MarshalIndent(listing, "", " ")
	if err != nil {
		return nil, err
	}
	epoch := time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	add := func(name string, b []byte) error {
		f, err := w.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: epoch})
		if err != nil {
			return err
		}
		_, err = f.Write(b)
		return err
	}
	if err := add("index.json", idx); err != nil {
		return nil, err
	}
	for _, v := range a.index.Versions {
		if err := add("versions/"+v.Version+".json", perVersion[v.Version]); err != nil {
			return nil, err
		}
	}
	hashes := make([]string, 0, len(a.defs))
	for h := range a.defs {
		hashes = append(hashes, h)
	}
	slices.Sort(hashes)
	for _, h := range hashes {
		if err := add("defs/"+h+".json", a.defs[h]); err != nil {
			return nil, err
		}
		if err := add("docs/"+h+".json", a.docs[h]); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func sources() string {
	var s []string
	for _, v := range versions {
		s = append(s, "k8s.io/kubernetes@"+v.kubernetes+" (api/openapi-spec/v3, api/discovery) and k8s.io/api@"+v.api)
	}
	return strings.Join(s, ", ")
}
