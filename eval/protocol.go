package eval

// The kubenix library reaches the kubenix binary through builtins.exec
// (see helmwrap.Serve). These are the parts of that protocol the evaluator
// needs to understand the answers.

// ExecProtocol names the protocol version; requests carry it.
const ExecProtocol = "kubenix-exec/1"

// ErrorPrefix starts the message of a helper's `throw`: the rest is an
// ErrorReport as JSON.
const ErrorPrefix = "kubenix-error:"

// ErrorReport is a helper's failure, placed where the user can act on it
// (a chart template file and line).
type ErrorReport struct {
	Message string `json:"message"`
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Col     int    `json:"col,omitempty"`
	Hint    string `json:"hint,omitempty"`
	// Call is where the Nix code asked for it (the kubenix.helm.chart call).
	Call *CallSite `json:"call,omitempty"`
}

// CallSite is a position as builtins.unsafeGetAttrPos gives it.
type CallSite struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
}
