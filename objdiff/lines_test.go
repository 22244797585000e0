package objdiff

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// lcsLen is the textbook dynamic program, the reference for lineDiff.
func lcsLen(a, b []string) int {
	dp := make([][]int, len(a)+1)
	for i := range dp {
		dp[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	return dp[0][0]
}

// checkScript asserts that ops turns a into b with as few edits as possible.
func checkScript(t *testing.T, a, b []string, ops []op) {
	t.Helper()
	var gotA, gotB []string
	kept := 0
	for _, o := range ops {
		if o.kind != '+' {
			gotA = append(gotA, o.line)
		}
		if o.kind != '-' {
			gotB = append(gotB, o.line)
		}
		if o.kind == ' ' {
			kept++
		}
	}
	if strings.Join(gotA, "\n") != strings.Join(a, "\n") || strings.Join(gotB, "\n") != strings.Join(b, "\n") {
		t.Fatalf("script does not turn %q into %q: %v", a, b, ops)
	}
	if want := lcsLen(a, b); kept != want {
		t.Fatalf("script keeps %d lines of %q -> %q, the longest common subsequence has %d", kept, a, b, want)
	}
}

func TestLineDiffIsMinimal(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"", ""},
		{"a", ""},
		{"", "a"},
		{"a b c", "a b c"},
		{"a b c", "a x c"},
		{"a b c a b b a", "c b a b a c"}, // Myers' paper
		{"x y", "y x"},
		{"a a a", "a"},
		{"a b c d e f", "f e d c b a"},
	} {
		a, b := strings.Fields(tc.a), strings.Fields(tc.b)
		checkScript(t, a, b, lineDiff(a, b))
	}
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "b", "c", "d"}
	gen := func() []string {
		out := make([]string, r.IntN(14))
		for i := range out {
			out[i] = alphabet[r.IntN(len(alphabet))]
		}
		return out
	}
	for range 3000 {
		a, b := gen(), gen()
		checkScript(t, a, b, lineDiff(a, b))
	}
}

func TestLineDiffLargeInput(t *testing.T) {
	// Two unrelated 20,000-line texts: no blow-up.
	a, b := make([]string, 20000), make([]string, 20000)
	for i := range a {
		a[i] = "a" + strings.Repeat("x", i%7)
		b[i] = "b" + strings.Repeat("y", i%5)
	}
	ops := lineDiff(a, b)
	if len(ops) != 40000 {
		t.Fatalf("%d ops", len(ops))
	}
}

func TestUnified(t *testing.T) {
	lines := func(s string) []string { return strings.Fields(s) }
	for _, tc := range []struct {
		name, a, b string
		context    int
		want       string
	}{
		{"one change in the middle", "1 2 3 4 5 6 7 8 9", "1 2 3 4 X 6 7 8 9", 3,
			"--- old\n+++ new\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+X\n 6\n 7\n 8\n"},
		{"changes 2*context apart share a hunk", "1 2 3 4 5 6 7 8", "X 2 3 4 5 6 7 Y", 3,
			"--- old\n+++ new\n@@ -1,8 +1,8 @@\n-1\n+X\n 2\n 3\n 4\n 5\n 6\n 7\n-8\n+Y\n"},
		{"changes further apart get two hunks", "1 2 3 4 5 6 7 8 9", "X 2 3 4 5 6 7 8 Y", 3,
			"--- old\n+++ new\n@@ -1,4 +1,4 @@\n-1\n+X\n 2\n 3\n 4\n@@ -6,4 +6,4 @@\n 6\n 7\n 8\n-9\n+Y\n"},
		{"added to nothing", "", "a b", 3,
			"--- old\n+++ new\n@@ -0,0 +1,2 @@\n+a\n+b\n"},
		{"removed to nothing", "a b", "", 3,
			"--- old\n+++ new\n@@ -1,2 +0,0 @@\n-a\n-b\n"},
		{"insertion only, no context", "a b", "a x b", 0,
			"--- old\n+++ new\n@@ -1,0 +2 @@\n+x\n"},
		{"identical", "a b", "a b", 3, "--- old\n+++ new\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := unified(lineDiff(lines(tc.a), lines(tc.b)), "old", "new", tc.context)
			if got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

// FuzzLineDiff: any two texts give a script that turns one into the other,
// and a unified diff that does not panic.
func FuzzLineDiff(f *testing.F) {
	f.Add("a\nb\nc\n", "a\nx\nc\n")
	f.Add("", "x\n")
	f.Add("a\na\nb\n", "b\na\na\n")
	f.Fuzz(func(t *testing.T, x, y string) {
		a, b := splitLines(x), splitLines(y)
		ops := lineDiff(a, b)
		var gotA, gotB []string
		for _, o := range ops {
			if o.kind != '+' {
				gotA = append(gotA, o.line)
			}
			if o.kind != '-' {
				gotB = append(gotB, o.line)
			}
		}
		if strings.Join(gotA, "\n") != strings.Join(a, "\n") || strings.Join(gotB, "\n") != strings.Join(b, "\n") {
			t.Fatalf("script does not turn %q into %q", x, y)
		}
		unified(ops, "old", "new", 3)
	})
}
