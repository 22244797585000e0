// Package eval runs the real Nix evaluator on a user's file through kubenix's
// embedded Nix library, and turns Nix's failures into diagnostics with positions.
//
// Nix code never runs programs here: nix-instantiate runs without
// allow-unsafe-native-code-during-evaluation, so builtins.exec and
// builtins.importNative do not exist (Nix defines them only with it), and
// without import from derivation, which would run a derivation's builder.
// A file that tries either is told so at the call (unsafeCall).
//
// What the library needs of Go (kubenix.helm.chart, kubenix.fromYAML) is
// answered by a fixpoint of evaluations (Evaluate, runner.fixpoint; the
// protocol is package nixcall): a call whose reply is not in the replies
// directory (Options.CacheDir) traces its request, keyed by the sha256 of
// its JSON, and evaluates to the placeholder []. Each pass's requests are
// read from standard error — trace lines are printed as they happen, so a
// pass whose placeholder made the user's code fail still names everything
// it asked before failing — answered by Options.Calls, and the file is
// evaluated again, until a pass asks nothing new (at most MaxPasses).
// Failed calls reach the next pass as a file of ErrorReports by key
// (__kubenixErrors), which the library throws where the call was made.
// Only the last pass's value or error is the result: the errors of a pass
// that asked for something may come from a placeholder. Apps whose calls
// do not depend on each other's answers need two passes with a cold cache,
// one with a warm one.
//
// Why not builtins.exec for kubenix's library only: Nix cannot scope a
// builtin to some files and hide it from everything they import (see the
// README's Security section).
package eval
