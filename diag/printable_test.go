package diag

import (
	"bytes"
	"strings"
	"testing"
)

func TestPrintable(t *testing.T) {
	for _, tc := range []struct {
		in      string
		oneLine bool
		want    string
	}{
		{"plain text", true, "plain text"},
		{"two\nlines\tand a tab", false, "two\nlines\tand a tab"},
		{"a\nb", true, `a\nb`},
		{"\x1b[2Jcleared\rover", false, `\x1b[2Jcleared\rover`},
		{"c1 \u009b control", false, `c1 \u009b control`},
		{"ünïcödé ✓", true, "ünïcödé ✓"},
	} {
		if got := Printable(tc.in, tc.oneLine); got != tc.want {
			t.Errorf("Printable(%q, %v) = %q, want %q", tc.in, tc.oneLine, got, tc.want)
		}
	}
}

// An object whose name holds a newline and an escape sequence is one line
// of text output, and moves no cursor.
func TestTextPrinterEscapes(t *testing.T) {
	for _, format := range []string{"text", "github"} {
		var b bytes.Buffer
		p, _ := NewPrinter(format, &b, PrintOptions{})
		p.Print(Diagnostic{Severity: Error, Pos: Pos{File: "a.yaml", Line: 3}, Object: "ConfigMap/default/a\nerror: fake\x1b[31m", Message: "bad \x1b[2J name"})
		out := b.String()
		if strings.Count(out, "\n") != 1 || strings.ContainsRune(out, 0x1b) {
			t.Errorf("%s: %q", format, out)
		}
	}
}
