# Calls a kubenix app, shared by entry.nix (the CLI's evaluation) and
# nix/lib.nix (kubenix.lib.manifests in a flake): the value of `imported`,
# or, when it is a function, its result, with the arguments it names taken
# from `kubenix`, `extra` (pkgs, lib) and `userArgs` (--arg/--argstr, or
# the `args` of kubenix.lib.manifests). A user argument the function does
# not take is an error: a typo would otherwise be ignored.
{ name, kubenix, userArgs ? { }, extra ? { } }: imported:
let
  inherit (builtins) attrNames elemAt filter functionArgs intersectAttrs isFunction;
  available = { inherit kubenix; } // extra // userArgs;
  unused = formals: filter (n: !(formals ? ${n})) (attrNames userArgs);
  call = f:
    let formals = functionArgs f; in
    if formals == { } then f available
    else if unused formals != [ ] then
      throw "kubenix: ${name} does not take argument '${elemAt (unused formals) 0}' (it takes: ${toString (attrNames formals)})"
    else f (intersectAttrs formals available);
in
if isFunction imported then call imported
else if userArgs != { } then
  throw "kubenix: ${name} is not a function, so argument '${elemAt (attrNames userArgs) 0}' has nowhere to go"
else imported
