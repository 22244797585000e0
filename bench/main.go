// Command bench measures kubenix builds of generated apps against the raw
// Nix evaluation of the same files, in the same run, and prints ratios:
//
//	make bench            # go run ./bench -kubenix bin/kubenix
//
// For each size N (units of Deployment + Service + ConfigMap) it prints the
// raw `nix-instantiate --eval --strict --json` time, kubenix's build time by
// stage for both output modes (Nix store, --out-dir), and kubenix's own peak
// RSS (child processes such as nix-instantiate are not included).
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	kubenix := flag.String("kubenix", "bin/kubenix", "the kubenix binary to measure")
	sizesFlag := flag.String("sizes", "10,100,400,2000,10000", "app sizes in units (3 objects each)")
	runs := flag.Int("runs", 3, "runs per measurement; the median is reported")
	memoryOnly := flag.Bool("memory", false, "only the memory row: check and diff of a generated 50 MB manifest")
	helmOnly := flag.Bool("helm", false, "measure the Helm rows only")
	flag.Parse()

	var sizes []int
	for _, s := range strings.Split(*sizesFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			fail("bad size %q", s)
		}
		sizes = append(sizes, n)
	}
	bin, err := filepath.Abs(*kubenix)
	if err != nil {
		fail("%v", err)
	}
	work, err := os.MkdirTemp("", "kubenix-bench-")
	if err != nil {
		fail("%v", err)
	}
	defer os.RemoveAll(work)
	os.Setenv("XDG_CACHE_HOME", filepath.Join(work, "cache"))
	os.Setenv("HOME", work) // no user configuration leaks into the measurements

	if *memoryOnly {
		if err := memoryBench(bin, work); err != nil {
			fail("memory: %v", err)
		}
		return
	}
	fmt.Printf("kubenix bench: %s, %d runs per cell (median)\n\n", bin, *runs)
	if *helmOnly {
		if err := helmBench(bin, work, max(*runs, 5)); err != nil {
			fail("helm: %v", err)
		}
		return
	}
	fmt.Printf("%6s %7s | %9s | %9s %9s %8s %8s %8s %8s %7s | %9s %7s | %8s\n",
		"units", "objects", "raw nix", "store", "eval", "extract", "validate", "render", "write", "RSS", "out-dir", "RSS", "vs raw")
	results := map[int]row{}
	for _, n := range sizes {
		file := filepath.Join(work, fmt.Sprintf("app-%d.nix", n))
		if err := os.WriteFile(file, []byte(generateApp(n)), 0o644); err != nil {
			fail("%v", err)
		}
		var r row
		r.raw = median(*runs, func() sample {
			return measure(work, "nix-instantiate", "--eval", "--strict", "--json", file, "--arg", "kubenix", "{}")
		})
		r.store = median(*runs, func() sample {
			return measure(work, bin, "build", file, "--timings", "--out-link", filepath.Join(work, "result"))
		})
		r.dir = median(*runs, func() sample {
			return measure(work, bin, "build", file, "--timings", "--out-dir", filepath.Join(work, "out"))
		})
		results[n] = r
		st := r.store.stages
		fmt.Printf("%6d %7d | %9s | %9s %9s %8s %8s %8s %8s %7s | %9s %7s | %7.1fx\n",
			n, 3*n+1, secs(r.raw.wall), secs(r.store.wall), secs(st["eval"]), secs(st["extract"]), secs(st["validate"]),
			secs(st["render"]), secs(st["write"]), mb(r.store.rss), secs(r.dir.wall), mb(r.dir.rss),
			r.store.wall.Seconds()/r.raw.wall.Seconds())
	}

	fmt.Println()
	if r, ok := results[400]; ok {
		// hall/kubenix evaluates the same 1,200 objects in 2.5-2.9 s and
		// 500 MB on this machine type (issue #2); it cannot run here without
		// nixpkgs, so its figure is quoted, not measured.
		const hallKubenix = 2.5
		fmt.Printf("1,200-object build (400 units): %s; hall/kubenix's evaluation alone takes %.1f s -> %.1fx faster (target >= 10x)\n",
			secs(r.store.wall), hallKubenix, hallKubenix/r.store.wall.Seconds())
		fmt.Printf("  over raw Nix of the same file (measured now): %.2fx; peak RSS of kubenix %s (target < 100 MB)\n",
			r.store.wall.Seconds()/r.raw.wall.Seconds(), mb(r.store.rss))
	}
	one, schemaOnly, all, err := validationThroughput(10000)
	if err != nil {
		fail("validation: %v", err)
	}
	fmt.Printf("validation of 10,000 mixed objects (6 built-in kinds, 2 custom, one with a CEL rule): %.0f objects/s on one core (target >= 20,000; %.0f/s without the API server's own rules for built-in kinds), %.0f/s on all cores\n", one, schemaOnly, all)
	if err := helmBench(bin, work, max(*runs, 5)); err != nil {
		fail("helm: %v", err)
	}
	if err := memoryBench(bin, work); err != nil {
		fail("memory: %v", err)
	}
	if a, ok := results[400]; ok {
		if b, ok := results[10000]; ok {
			fmt.Printf("linearity: 10,000 units / 400 units = %.1fx for 25x the objects (target <= 30x); raw Nix %.1fx\n",
				b.store.wall.Seconds()/a.store.wall.Seconds(), b.raw.wall.Seconds()/a.raw.wall.Seconds())
		}
	}
}

type row struct{ raw, store, dir sample }

type sample struct {
	wall   time.Duration
	rss    int64         // KiB
	cpu    time.Duration // user + system: what a loaded machine's wall time hides
	stages map[string]time.Duration
}

var stageRE = regexp.MustCompile(`(\w+) ([0-9.]+)ms`)

func measure(dir, name string, args ...string) sample {
	return measureEnv(dir, nil, name, args...)
}

func measureEnv(dir string, env []string, name string, args ...string) sample {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		fail("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	s := sample{wall: time.Since(start), cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), stages: map[string]time.Duration{}}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.rss = ru.Maxrss
	}
	for _, line := range strings.Split(stderr.String(), "\n") {
		if rest, ok := strings.CutPrefix(line, "kubenix: timings: "); ok {
			for _, m := range stageRE.FindAllStringSubmatch(rest, -1) {
				f, _ := strconv.ParseFloat(m[2], 64)
				s.stages[m[1]] = time.Duration(f * float64(time.Millisecond))
			}
		}
	}
	return s
}

func median(runs int, f func() sample) sample {
	all := make([]sample, runs)
	for i := range all {
		all[i] = f()
	}
	slices.SortFunc(all, func(a, b sample) int { return int(a.wall - b.wall) })
	return all[len(all)/2]
}

func secs(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%.3fs", d.Seconds())
}

func mb(kib int64) string { return fmt.Sprintf("%dMB", kib/1024) }

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
	os.Exit(2)
}
