package helmwrap

import (
	"os"
	"path"
	"strings"

	"helm.sh/helm/v3/pkg/chartutil"
)

// ChartFiles finds the files of a chart directory that Helm's template
// paths name. Helm names a subchart's templates by the subchart's name,
// and an aliased subchart's by its alias ("web/charts/front/templates/x.yaml"
// for the chart `child` aliased `front`), while on disk it is the
// directory of charts/ holding that chart (charts/child/).
type ChartFiles struct {
	dir  string
	subs map[string]string // "charts/front" (of a chart dir) -> its directory
}

// NewChartFiles finds files in the chart directory dir.
func NewChartFiles(dir string) *ChartFiles {
	return &ChartFiles{dir: dir, subs: map[string]string{}}
}

// File is the file of a template path ("redis/templates/master.yaml",
// "redis/charts/common/templates/_x.tpl", or a file such as
// "redis/values.schema.json"); "" for a path without a chart. A subchart
// kept as an archive in charts/ has no file: the path is where it would be.
func (c *ChartFiles) File(template string) string {
	parts := strings.Split(template, "/")
	if len(parts) < 2 {
		return ""
	}
	dir, rest := c.dir, parts[1:]
	for len(rest) > 2 && rest[0] == "charts" {
		dir, rest = c.subchart(dir, rest[1]), rest[2:]
	}
	return path.Join(append([]string{dir}, rest...)...)
}

// TemplateFile is NewChartFiles(chartDir).File(template).
func TemplateFile(chartDir, template string) string {
	return NewChartFiles(chartDir).File(template)
}

// subchart is the directory of the subchart of the chart in dir that Helm
// names name: a dependency aliased name is the chart its Chart.yaml names;
// that chart is in charts/<its name>, or else in the directory of charts/
// whose Chart.yaml has that name.
func (c *ChartFiles) subchart(dir, name string) string {
	key := path.Join(dir, "charts", name)
	if d, ok := c.subs[key]; ok {
		return d
	}
	found := key
	if md, err := chartutil.LoadChartfile(path.Join(dir, "Chart.yaml")); err == nil {
		for _, d := range md.Dependencies {
			if d.Alias == name {
				name = d.Name
				break
			}
		}
	}
	if fi, err := os.Stat(path.Join(dir, "charts", name)); err == nil && fi.IsDir() {
		found = path.Join(dir, "charts", name)
	} else if entries, err := os.ReadDir(path.Join(dir, "charts")); err == nil {
		for _, e := range entries {
			sub := path.Join(dir, "charts", e.Name())
			if md, err := chartutil.LoadChartfile(path.Join(sub, "Chart.yaml")); e.IsDir() && err == nil && md.Name == name {
				found = sub
				break
			}
		}
	}
	c.subs[key] = found
	return found
}
