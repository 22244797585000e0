package helmwrap

import (
	"strings"
	"testing"
)

func TestShortenHelmMessage(t *testing.T) {
	frame := `template: c/templates/x.yaml:1:20: executing "a" at <include "a" .>: `
	rec := `executing "c/templates/x.yaml" at <include "a" .>: ` + strings.Repeat("error calling include: "+frame, 1000) + "error calling include: nested too deep"
	got := shortenHelmMessage(rec)
	if strings.Count(got, frame) != 1 || !strings.Contains(got, "[the same 999 more times]") || !strings.HasSuffix(got, "nested too deep") {
		t.Errorf("a recursive include: %s", got)
	}
	long := strings.Repeat("é", 5000)
	if got := shortenHelmMessage(long); len(got) > maxHelmMessage+100 || !strings.Contains(got, "bytes left out") || !strings.HasPrefix(got, "é") || !strings.HasSuffix(got, "é") {
		t.Errorf("a long message: %d bytes: %.100s", len(got), got)
	}
	if got := shortenHelmMessage("short: error calling include: x"); got != "short: error calling include: x" {
		t.Errorf("a short message changed: %s", got)
	}
}
