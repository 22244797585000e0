package helmwrap

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoadChartArchive loads any bytes as a chart archive: an error or a
// chart, never a panic, and nothing written outside the chart.
func FuzzLoadChartArchive(f *testing.F) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, content := range map[string]string{
		"c/Chart.yaml":            "apiVersion: v2\nname: c\nversion: 0.1.0\n",
		"c/templates/cm.yaml":     "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
		"c/charts/d/Chart.yaml":   "apiVersion: v2\nname: d\nversion: 0.1.0\n",
		"c/../../tmp/escaped.txt": "x",
	} {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg})
		tw.Write([]byte(content))
	}
	tw.Close()
	gz.Close()
	f.Add(buf.Bytes())
	f.Add([]byte("\x1f\x8b\x08\x00 not gzip"))
	f.Add([]byte{})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "c-0.1.0.tgz")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		LoadChart(p)
		if ents, _ := os.ReadDir(dir); len(ents) != 1 {
			t.Fatalf("loading wrote %d entries beside the archive", len(ents)-1)
		}
	})
}
