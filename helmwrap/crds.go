package helmwrap

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"

	"helm.sh/helm/v3/pkg/chart"

	"github.com/kubenix/kubenix/internal/atomicfile"
	"github.com/kubenix/kubenix/internal/parallel"
	"github.com/kubenix/kubenix/manifest"
)

// A chart's crds/ is often most of its bytes (kube-prometheus-stack: 4 MB
// of YAML) and the same from one render to the next, while values change.
// So each file of crds/ is parsed once per content: the parsed documents
// are kept by the sha256 of the file in CACHEDIR/helm-crds/KK/SUM.json
// (JSON, which reads back many times faster than YAML parses), and within
// one process (a render and its non-determinism check) in memory.

// crdFile is one file of a chart's crds/, parsed: its documents in file
// order (nil for an empty one) and the text of each.
type crdFile struct {
	name  string
	docs  []any
	texts []document
}

// crdCacheFormat changes when what is cached for a CRD file changes.
const crdCacheFormat = "kubenix-crds/1"

// chartCRDs parses the crds/ files of a chart and its subcharts; cacheDir
// "" keeps nothing on disk. A document that is not YAML is an error of the
// template (the file) it is in.
func chartCRDs(c *chart.Chart, cacheDir string) ([]crdFile, error) {
	objs := c.CRDObjects()
	out := make([]crdFile, len(objs))
	errs := make([]error, len(objs))
	// Files are parsed on every core: a cold render of a CRD-heavy chart
	// is mostly this.
	parallel.All(len(objs), 1, func(i int) {
		out[i], errs[i] = parseCRDFile(c.Name(), objs[i].Filename, printedCRDFile(objs[i].File.Data), cacheDir)
	})
	for _, err := range errs {
		if err != nil {
			return nil, err // the first in file order
		}
	}
	return out, nil
}

func parseCRDFile(chartName, name string, data []byte, cacheDir string) (crdFile, error) {
	f := crdFile{name: name, texts: crdDocuments(string(data))}
	sum := sha256.Sum256(append([]byte(crdCacheFormat+"\x00"), data...))
	key := hex.EncodeToString(sum[:])
	path := ""
	if cacheDir != "" {
		path = filepath.Join(cacheDir, "helm-crds", key[:2], key+".json")
		if b, err := os.ReadFile(path); err == nil {
			if v, err := manifest.DecodeJSON(b); err == nil {
				if l, ok := v.([]any); ok && len(l) == len(f.texts) {
					f.docs = l
					return f, nil
				}
			}
		}
	}
	for _, text := range f.texts {
		values, err := readDocument(chartName, name, text)
		if err != nil {
			return f, err
		}
		if len(values) == 0 {
			values = []any{nil} // an empty document: one per text, as the cache holds them
		}
		f.docs = append(f.docs, values...)
	}
	if path != "" {
		if b, err := json.Marshal(f.docs); err == nil && os.MkdirAll(filepath.Dir(path), 0o755) == nil {
			_ = atomicfile.Write(path, b, 0o644) // a cache: a failed write costs the next render a parse
		}
	}
	return f, nil
}

// crdAPIVersions lists group/version and group/version/Kind of parsed CRDs
// (see manifest.CRDAPIVersions).
func crdAPIVersions(files []crdFile) []string {
	var objs []*manifest.Object
	for _, f := range files {
		for _, d := range f.docs {
			m, _ := d.(map[string]any)
			av, _ := m["apiVersion"].(string)
			kind, _ := m["kind"].(string)
			objs = append(objs, &manifest.Object{APIVersion: av, Kind: kind, Body: m})
		}
	}
	return manifest.CRDAPIVersions(objs)
}
