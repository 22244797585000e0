// Package nixcall is the protocol between the kubenix Nix library and the
// kubenix run that evaluates it: what Nix asks for that only Go can do
// (kubenix.helm.chart renders a chart with the Helm SDK, kubenix.fromYAML
// parses YAML), and how the answers reach Nix.
//
// Nix code never runs programs: kubenix does not enable builtins.exec (and
// Nix only defines it when allow-unsafe-native-code-during-evaluation is
// on). Instead eval evaluates an app as a fixpoint:
//
//  1. The library computes each call's request as JSON text and its key,
//     the sha256 of that text, in Nix (builtins.hashString), and looks the
//     key up in the replies directory (the kubenix cache directory,
//     SUB/KK/KEY.json, see Call.Sub) and in the errors of earlier passes.
//  2. A call with no reply yet writes `kubenix-request KEY TEXT` to standard
//     error (builtins.trace, which Nix prints at once, before any failure
//     the placeholder may cause) and returns the placeholder [].
//  3. Calls.Answer checks each request (its key is the hash of its text;
//     its arguments are the op's), answers it, writes the reply
//     atomically, and keeps a failure as an ErrorReport that Nix throws
//     where the call was made.
//  4. eval evaluates again, until a pass asks nothing new; only that last
//     pass's value or error reaches the user.
//
// Replies are content-addressed (the key covers the chart's store path,
// the values, the options and kubenix's version), so they are the render
// cache too: a build whose charts did not change needs one pass. Because
// Go checks each key against the request's text, Nix code cannot store an
// answer under the key of another request.
package nixcall
