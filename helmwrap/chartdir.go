package helmwrap

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// checkChartSymlinks refuses a chart directory holding a symlink that
// leads outside it (or nowhere): Helm's loader follows symlinks in a
// directory chart and would render what they point at, a file anywhere on
// the machine, while it refuses such entries in chart archives.
func checkChartSymlinks(dir string) error {
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return &ChartError{Path: dir, Msg: fmt.Sprintf("chart %s: %v", dir, err)}
	}
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return &ChartError{Path: dir, Msg: fmt.Sprintf("chart %s: %v", dir, err)}
		}
		if d.Type()&fs.ModeSymlink == 0 {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		target, _ := os.Readlink(p)
		resolved, err := filepath.EvalSymlinks(p)
		if err != nil {
			return &ChartError{Path: dir, Msg: fmt.Sprintf("chart %s: %s is a symlink to %s, which does not exist", dir, rel, target)}
		}
		if resolved != root && !strings.HasPrefix(resolved, root+string(filepath.Separator)) {
			return &ChartError{Path: dir,
				Msg:  fmt.Sprintf("chart %s: %s is a symlink to %s, outside the chart directory", dir, rel, target),
				Hint: "copy what it points at into the chart; kubenix, like Helm with chart archives, reads nothing outside a chart"}
		}
		return nil
	})
}
