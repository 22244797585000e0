// Command kubenix compiles Nix expressions into Kubernetes manifests.
// The commands here only parse flags, call the pipeline and print.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/kubenix/kubenix/diag"
)

func main() {
	// A build is short-lived and allocates a tree per object; collecting
	// less often costs a little memory and saves CPU (200: +5 MB at 1,200
	// objects, where 400 would add 15).
	debug.SetGCPercent(200)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	done := make(chan int, 1)
	go func() { done <- run(ctx, os.Args[1:], os.Stdout, os.Stderr) }()
	var code int
	select {
	case code = <-done:
	case <-ctx.Done():
		// Every step checks ctx, but not every loop does: a signal is
		// honoured within a second whatever is running. Results are
		// swapped in atomically, so stopping here writes nothing half.
		select {
		case code = <-done:
		case <-time.After(interruptGrace):
			fmt.Fprintln(os.Stderr, interruptedMessage)
			code = diag.ExitUsage
		}
	}
	stop()
	os.Exit(code)
}

// readOnly marks the commands that only answer (check, eval, diff): once
// interrupted they exit 2 even when they got to the end.
const readOnly = "kubenix/read-only"

const (
	interruptGrace     = time.Second
	interruptedMessage = "kubenix: interrupted; the previous result is untouched"
)

// run executes one kubenix command line and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	// The Helm SDK logs with the standard logger (a value it cannot merge
	// into the chart's, a hook kind it does not know): no timestamps, each
	// once, in kubenix's words.
	log.SetFlags(0)
	log.SetOutput(&libraryLog{w: stderr, seen: map[string]bool{}})
	args, err := joinPairFlags(args)
	if err != nil {
		printError(stderr, err)
		return diag.ExitUsage
	}
	app := &app{stdout: stdout, stderr: stderr}
	root := app.rootCommand()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if ctx.Err() != nil && cmd != nil && cmd.Annotations[readOnly] != "" {
		// Its answer may be complete, but was asked to stop: a script
		// must not take a check that was interrupted for one that passed.
		fmt.Fprintln(stderr, interruptedMessage)
		return diag.ExitUsage
	}
	if err == nil {
		return diag.ExitOK
	}
	var status exitStatus
	if errors.As(err, &status) {
		return int(status)
	}
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || !isReported(err)) {
		fmt.Fprintln(stderr, interruptedMessage)
		return diag.ExitUsage
	}
	if !isReported(err) {
		printError(stderr, err)
	}
	return diag.ExitCode(err)
}

// reported wraps an error whose diagnostics were already printed.
type reported struct{ error }

func (r reported) Unwrap() error { return r.error }

// exitStatus is an outcome that is only an exit code: what there was to
// say has been printed (kubenix diff's 1, "the sides differ").
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func isReported(err error) bool {
	var r reported
	return errors.As(err, &r)
}

func printError(w io.Writer, err error) {
	var ue *diag.UsageError
	if errors.As(err, &ue) {
		fmt.Fprintf(w, "kubenix: %s\n", diag.Printable(ue.Err.Error(), false))
		if ue.Hint != "" {
			fmt.Fprintf(w, "  hint: %s\n", diag.Printable(ue.Hint, false))
		}
		return
	}
	fmt.Fprintf(w, "kubenix: %s\n", diag.Printable(err.Error(), false))
}

type app struct {
	stdout, stderr io.Writer
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "kubenix",
		Short: "Compile Nix expressions into Kubernetes manifests",
		Long: `kubenix evaluates a Nix file into Kubernetes objects, checks them, and writes
an ordered manifest directory that plain kubectl applies:

    kubenix build ./app.nix      # evaluate, check, write ./result
    kubectl apply -f result/     # the cluster side stays plain kubectl
    kubenix apply                # the same, CRDs first when the build has its own

Exit codes: 0 success, 1 the input is invalid, 2 usage or environment
(a wrong flag, Nix missing, an unwritable output).`,
		SilenceUsage:      true,
		SilenceErrors:     true,
		PersistentPreRunE: checkFlagValues,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &diag.UsageError{Err: err, Hint: "see --help"}
	})
	root.AddCommand(a.buildCommand(), a.evalCommand(), a.checkCommand(), a.diffCommand(), a.explainCommand(), a.helmCommand(), a.imagesCommand(), a.registryCommand(), a.applyCommand(), a.secretsCommand(), a.versionCommand())
	return root
}

// printDiagnostics writes diagnostics in the chosen format to stderr.
func (a *app) printDiagnostics(format string, l diag.List) error {
	wd, _ := os.Getwd()
	p, err := diag.NewPrinter(format, a.stderr, diag.PrintOptions{Color: colorOK(a.stderr), BaseDir: wd})
	if err != nil {
		return err
	}
	for _, d := range l {
		p.Print(d)
	}
	return p.Flush(nil)
}

// report prints what err carries and returns it marked as reported.
func (a *app) report(format string, err error) error {
	var inv *diag.InvalidInput
	if errors.As(err, &inv) {
		if perr := a.printDiagnostics(format, inv.Diagnostics); perr != nil {
			return perr
		}
		return reported{err}
	}
	return err
}

func colorOK(w io.Writer) bool {
	if os.Getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func usageArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return &diag.UsageError{Err: fmt.Errorf("%s takes %s (got %d arguments)", cmd.CommandPath(), what, len(args)), Hint: "see " + cmd.CommandPath() + " --help"}
		}
		return nil
	}
}

// libraryLog writes what libraries log as kubenix warnings, each line
// once: a chart rendered twice, or many charts, say the same thing.
type libraryLog struct {
	mu   sync.Mutex
	w    io.Writer
	seen map[string]bool
}

func (l *libraryLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		for _, level := range []string{"warning: ", "info: ", "Warning: "} {
			line = strings.TrimPrefix(line, level)
		}
		if line == "" || l.seen[line] {
			continue
		}
		l.seen[line] = true
		fmt.Fprintf(l.w, "warning: helm: %s\n", diag.Printable(line, true))
	}
	return len(p), nil
}
