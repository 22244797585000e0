package helmwrap

import (
	"errors"
	"path"
	"regexp"
	"strconv"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
)

// ChartError is a problem with the chart itself: missing, not a chart,
// missing dependencies, not installable.
type ChartError struct {
	Path, Msg, Hint string
}

func (e *ChartError) Error() string { return e.Msg }

// TemplateError is a failure while rendering, placed at the chart file and
// line when Helm says where.
type TemplateError struct {
	Chart    string // chart name
	Template string // chart-relative path: redis/templates/master.yaml
	Line     int
	Col      int
	Msg      string
	Hint     string
}

func (e *TemplateError) Error() string {
	if e.Template == "" {
		return e.Msg
	}
	loc := e.Template
	if e.Line > 0 {
		loc += ":" + strconv.Itoa(e.Line)
	}
	return loc + ": " + e.Msg
}

// Helm reports template positions as "template: c/templates/x.yaml:12:15:",
// "at (c/templates/x.yaml:5:14)" or "parse error at (c/templates/x.yaml:3)".
var helmPos = regexp.MustCompile(`([A-Za-z0-9._\-]+(?:/[A-Za-z0-9._\-]+)*\.(?:yaml|yml|tpl|txt|json)):(\d+)(?::(\d+))?`)

// yamlParseError is how releaseutil.SortManifests reports a rendered
// template that is not YAML.
var yamlParseError = regexp.MustCompile(`^YAML parse error on ([^:]+): `)

// templateError turns a Helm rendering error into a TemplateError.
func templateError(c *chart.Chart, err error) error {
	msg := err.Error()
	te := &TemplateError{Chart: c.Name(), Msg: msg}
	if m := yamlParseError.FindStringSubmatch(msg); m != nil {
		// The rendered output is not YAML: Helm names the template, and
		// the line it gives is one of the rendered document, not the file.
		te.Template = m[1]
	} else if m := helmPos.FindStringSubmatch(msg); m != nil {
		te.Template = m[1]
		te.Line, _ = strconv.Atoi(m[2])
		if m[3] != "" {
			te.Col, _ = strconv.Atoi(m[3])
		}
		te.Msg = cleanHelmMessage(msg)
	}
	switch {
	case strings.Contains(msg, "is required") || strings.Contains(msg, "execution error"):
		te.Hint = "set the value the chart requires in values"
	case strings.Contains(msg, "chart requires kubeVersion"):
		te.Hint = "render for a Kubernetes version the chart supports (kubeVersion = ...; or --kube-version)"
	case strings.Contains(msg, "nil pointer evaluating"):
		te.Hint = "a value the template reads is missing; check the chart's values.yaml for its structure"
	}
	return te
}

// cleanHelmMessage drops the position prefix Helm repeats in its messages.
func cleanHelmMessage(msg string) string {
	for _, p := range []string{`template: `, `execution error at (`, `parse error at (`} {
		if rest, ok := strings.CutPrefix(msg, p); ok {
			if i := strings.Index(rest, ": "); i >= 0 {
				return strings.TrimSpace(rest[i+2:])
			}
		}
	}
	return msg
}

// TemplateFile returns the file of a chart-relative template path inside a
// chart directory (subcharts live in charts/<name>/): chartDir for
// "redis/charts/common/templates/_x.tpl" is chartDir/charts/common/templates/_x.tpl.
func TemplateFile(chartDir, template string) string {
	parts := strings.Split(template, "/")
	if len(parts) < 2 {
		return ""
	}
	return path.Join(append([]string{chartDir}, parts[1:]...)...)
}

// IsChartError reports whether err is about the chart or its templates.
func IsChartError(err error) bool {
	var ce *ChartError
	var te *TemplateError
	var ve *ValuesError
	return errors.As(err, &ce) || errors.As(err, &te) || errors.As(err, &ve)
}
