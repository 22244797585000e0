package diag

import (
	"fmt"
	"strings"
	"unicode"
)

// Printable escapes the control characters of s (an escape sequence that
// would recolour or clear the terminal, a carriage return that would
// overwrite the line) as Go does in strings: \x1b, \r. Newlines and tabs
// stay unless oneLine, where a newline is written \n: an object name
// holding one must not start a line of its own, which would read as
// another diagnostic.
func Printable(s string, oneLine bool) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\t' && (r != '\n' || oneLine) }) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' && !oneLine:
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case unicode.IsControl(r) && r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unicode.IsControl(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
