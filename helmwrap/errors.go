package helmwrap

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

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
	msg = shortenHelmMessage(msg)
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

// maxHelmMessage bounds a template error: a recursive include makes Helm
// repeat the same frame a thousand times (a 100 KB line).
const maxHelmMessage = 2000

// shortenHelmMessage writes a frame Helm repeats (the calls of a recursive
// include) once, saying how often it came, and cuts what is still too long.
func shortenHelmMessage(msg string) string {
	const sep = "error calling include: "
	parts := strings.Split(msg, sep)
	var out []string
	for i := 0; i < len(parts); {
		j := i + 1
		for j < len(parts) && parts[j] == parts[i] {
			j++
		}
		p := parts[i]
		if n := j - i; n > 1 {
			p = fmt.Sprintf("%s[the same %d more times] ", p, n-1)
		}
		out = append(out, p)
		i = j
	}
	msg = strings.Join(out, sep)
	if len(msg) > maxHelmMessage {
		head, tail := maxHelmMessage/2, len(msg)-maxHelmMessage/2
		for head > 0 && !utf8.RuneStart(msg[head]) {
			head--
		}
		for tail < len(msg) && !utf8.RuneStart(msg[tail]) {
			tail++
		}
		msg = fmt.Sprintf("%s … (%d bytes left out) … %s", msg[:head], tail-head, msg[tail:])
	}
	return msg
}

// IsChartError reports whether err is about the chart or its templates.
func IsChartError(err error) bool {
	var ce *ChartError
	var te *TemplateError
	var ve *ValuesError
	return errors.As(err, &ce) || errors.As(err, &te) || errors.As(err, &ve)
}
