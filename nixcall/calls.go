package nixcall

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/helmwrap"
	"github.com/kubenix/kubenix/internal/atomicfile"
)

// Call is one thing the library can ask kubenix, as tanka registers its
// native functions: the op a request names, the library function that asks
// it (for messages), the subdirectory its replies go to (the library's
// `sub`), and the function that checks the arguments and answers.
type Call struct {
	Op     string
	Caller string
	Sub    string
	answer func(ctx context.Context, s *Server, a args) (*reply, error)
}

// calls is the registry: everything Nix can ask.
var calls = map[string]Call{
	"helm.render": {Op: "helm.render", Caller: "kubenix.helm.chart", Sub: "helm-renders", answer: renderChart},
	"yaml.parse":  {Op: "yaml.parse", Caller: "kubenix.fromYAML", Sub: "yaml-parses", answer: parseYAMLCall},
}

// Calls lists what Nix can ask, by op.
func Calls() []Call {
	out := make([]Call, 0, len(calls))
	for _, c := range calls {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Call) int { return strings.Compare(a.Op, b.Op) })
	return out
}

// args is a request's text, decoded: the op and its arguments. Version
// and ChartID only make the key (kubenix's version; the chart's content,
// as its store path).
type args struct {
	Op      string                  `json:"op"`
	Version string                  `json:"version"`
	ChartID string                  `json:"chartId,omitempty"`
	Render  *helmwrap.RenderOptions `json:"render,omitempty"`
	YAML    *string                 `json:"yaml,omitempty"`
}

// Helm renders charts: helmwrap's Helm SDK renderer in kubenix (HelmSDK),
// another in tests.
type Helm interface {
	Render(ctx context.Context, opts helmwrap.RenderOptions) (*helmwrap.Result, error)
}

// HelmSDK renders in-process with the Helm SDK (helmwrap.Render).
type HelmSDK struct{}

// Render renders a chart as `helm template` does.
func (HelmSDK) Render(ctx context.Context, opts helmwrap.RenderOptions) (*helmwrap.Result, error) {
	return helmwrap.Render(ctx, opts)
}

// Server answers the library's requests.
type Server struct {
	Dir    string // the replies directory: kubenix's cache directory
	Strict bool   // a chart that renders differently each time is an error
	Helm   Helm
}

// NewServer answers into dir, rendering with the Helm SDK.
func NewServer(dir string, strict bool) *Server {
	return &Server{Dir: dir, Strict: strict, Helm: HelmSDK{}}
}

// reply is a file of the replies directory, as the library reads it:
// Objects is the answer as JSON text (what builtins.fromJSON turns into
// the Nix value), in a file of its own, Checksum its sha256 in hex (what
// builtins.hashString gives), so that a corrupt reply is asked again
// rather than used.
type reply struct {
	Checksum         string   `json:"checksum"`
	Objects          []byte   `json:"-"` // in its own file: ObjectsPath
	Chart            string   `json:"chart"`
	Nondeterministic []string `json:"nondeterministic"`
	// private replies hold a Secret in plain text: they go to the run's
	// own directory, removed when the evaluation ends, never to the cache.
	private bool
}

func newReply(value []byte) *reply {
	sum := sha256.Sum256(value)
	return &reply{Checksum: hex.EncodeToString(sum[:]), Objects: value, Nondeterministic: []string{}}
}

// ReplyPath is where the reply to a request of op with key goes under dir.
func ReplyPath(dir, op, key string) string {
	return filepath.Join(dir, calls[op].Sub, key[:2], key+".json")
}

// ObjectsPath is where the reply's answer goes, next to it: as JSON text
// of its own, the library reads it as fast as any JSON file (inside the
// reply, as a string, it took Nix twice as long: 25 ms for 4 MB of CRDs).
func ObjectsPath(dir, op, key string) string {
	return filepath.Join(dir, calls[op].Sub, key[:2], key+".objects.json")
}

// Answer answers the requests of one pass. Each reply is written under
// s.Dir, atomically, or under private (the evaluation's own directory,
// which it removes) when it holds a Secret in plain text, which no cache
// may keep; a call that fails gives an ErrorReport under its key, which the
// library throws where the call was made. The error is for what stops the
// run: an interrupt, a directory kubenix cannot write.
func (s *Server) Answer(ctx context.Context, reqs []Request, private string) (map[string]ErrorReport, error) {
	if s.Dir == "" {
		return nil, &diag.UsageError{Err: fmt.Errorf("no cache directory to answer %s and kubenix.fromYAML through", calls["helm.render"].Caller),
			Hint: "set XDG_CACHE_HOME to a writable directory"}
	}
	failed := map[string]ErrorReport{}
	for _, r := range reqs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if KeyOf(r.Text) != r.Key {
			return nil, &ForgedError{Line: RequestPrefix + r.Key + " " + r.Text}
		}
		a, call, err := decode(r.Text)
		if err != nil {
			failed[r.Key] = ErrorReport{Message: fmt.Sprintf("kubenix cannot answer this request: %v", err)}
			continue
		}
		rep, err := call.answer(ctx, s, a)
		if err != nil && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if rep != nil {
			dir := s.Dir
			if rep.private {
				dir = private
			}
			if werr := write(dir, call.Op, r.Key, rep); werr != nil {
				return nil, werr
			}
		}
		if err != nil {
			failed[r.Key] = report(err, a)
		}
	}
	return failed, nil
}

// decode reads a request's text strictly: a known op and its own
// arguments, nothing else.
func decode(text string) (args, Call, error) {
	var a args
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		return a, Call{}, fmt.Errorf("not a request: %v", err)
	}
	call, ok := calls[a.Op]
	if !ok {
		return a, Call{}, fmt.Errorf("unknown op %q", a.Op)
	}
	return a, call, nil
}

func write(dir, op, key string, rep *reply) error {
	b, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	if dir == "" {
		return fmt.Errorf("no directory for a private reply to %s", calls[op].Caller)
	}
	path := ReplyPath(dir, op, key)
	err = os.MkdirAll(filepath.Dir(path), 0o755)
	if err == nil {
		// The answer first: a reply without it is no reply.
		err = atomicfile.Write(ObjectsPath(dir, op, key), rep.Objects, 0o644)
	}
	if err == nil {
		err = atomicfile.Write(path, b, 0o644)
	}
	if err != nil {
		return &diag.UsageError{Err: fmt.Errorf("cannot write the answer to %s for Nix: %w", calls[op].Caller, err),
			Hint: "kubenix answers Nix through its cache directory: set XDG_CACHE_HOME to a writable directory"}
	}
	return nil
}
