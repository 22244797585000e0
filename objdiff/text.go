package objdiff

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// TextOptions tune the text output.
type TextOptions struct {
	Color bool // ANSI colours (the caller decides: a terminal, and no NO_COLOR)
	Stat  bool // one line per object with its counts, instead of the diffs
}

const (
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
	ansiReset  = "\x1b[0m"
)

// marks are the first character of an object's line, by status.
var marks = map[Status]string{Added: "+", Removed: "-", Changed: "~"}

// WriteText writes the changes for people: a line per added, removed or
// changed object, each changed one followed by the unified diff of its
// YAML and an empty line; then the summary. Unchanged objects (a renamed
// file included) are only counted.
func WriteText(w io.Writer, r *Result, opts TextOptions) error {
	if opts.Stat {
		return writeStat(w, r, opts)
	}
	bw := bufio.NewWriter(w)
	p := painter(opts.Color)
	for _, c := range r.Changes {
		if c.Status == Unchanged {
			continue
		}
		fmt.Fprintf(bw, "%s\n", p(statusColor(c.Status), marks[c.Status]+" "+c.ID+" ("+string(c.Status)+")"))
		if c.Status != Changed {
			continue
		}
		for _, line := range splitLines(c.Diff) {
			bw.WriteString(p(lineColor(line), line))
			bw.WriteByte('\n')
		}
		bw.WriteByte('\n')
	}
	fmt.Fprintln(bw, r.Summary())
	return bw.Flush()
}

// writeStat writes one line per added, removed or changed object, as git
// diff --stat does: its lines inserted and deleted, and a bar of + and -.
func writeStat(w io.Writer, r *Result, opts TextOptions) error {
	const barWidth = 40
	bw := bufio.NewWriter(w)
	p := painter(opts.Color)
	width, most := 0, 0
	for _, c := range r.Changes {
		if c.Status != Unchanged {
			width = max(width, len(c.ID))
			most = max(most, c.Insertions+c.Deletions)
		}
	}
	digits := len(strconv.Itoa(most))
	for _, c := range r.Changes {
		if c.Status == Unchanged {
			continue
		}
		ins, del := c.Insertions, c.Deletions
		if most > barWidth {
			ins, del = scale(ins, most, barWidth), scale(del, most, barWidth)
		}
		fmt.Fprintf(bw, "%s %-*s | %*d %s%s\n", p(statusColor(c.Status), marks[c.Status]), width, c.ID, digits, c.Insertions+c.Deletions,
			p(ansiGreen, strings.Repeat("+", ins)), p(ansiRed, strings.Repeat("-", del)))
	}
	fmt.Fprintln(bw, r.Summary())
	return bw.Flush()
}

// scale shrinks n out of most to a bar of at most width, keeping any
// change visible.
func scale(n, most, width int) int {
	if n == 0 {
		return 0
	}
	return max(1, n*width/most)
}

func painter(color bool) func(code, s string) string {
	return func(code, s string) string {
		if !color || code == "" || s == "" {
			return s
		}
		return code + s + ansiReset
	}
}

func statusColor(s Status) string {
	switch s {
	case Added:
		return ansiGreen
	case Removed:
		return ansiRed
	case Changed:
		return ansiYellow
	}
	return ""
}

func lineColor(line string) string {
	switch {
	case strings.HasPrefix(line, "--- "), strings.HasPrefix(line, "+++ "):
		return ansiBold
	case strings.HasPrefix(line, "@@"):
		return ansiCyan
	case strings.HasPrefix(line, "-"):
		return ansiRed
	case strings.HasPrefix(line, "+"):
		return ansiGreen
	}
	return ""
}
