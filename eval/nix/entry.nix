# The expression kubenix evaluates (`nix-instantiate --eval --strict --json`).
# It imports the user's file, supplies the function arguments it names, and
# reports where each Kubernetes object was written. Written for Nix >= 2.8.
#
# __kubenixMode = "eval": { value; objects; storeDir; context; }
#   objects: one { path; pos; site; } per attrset with apiVersion or kind
#     (and per stray leaf, which is an error), path being the attribute/index
#     path from the top of the value.
# __kubenixMode = "locate" (after a failed eval): { path; pos; } of the innermost
#   attribute whose value fails, so the Go side can name where an error
#   happened when Nix reports it without a position (throw, assert).
# __kubenixMode = "bad": [{ path; pos; type; }] for every function or path
#   value, which JSON output cannot carry.
# __kubenixMode = "positions": for each path of __kubenixQueries (a JSON list
#   of attribute/index paths), the position of the deepest attribute along it
#   that exists: where the user wrote the field a diagnostic is about.
# __kubenixMode = "floats": the value with every float written exactly
#   (lib/json.nix), asked for only when the value has floats, which Nix 2.8's
#   JSON prints with 6 significant digits.
{ __kubenixFile, __kubenixMode ? "eval", __kubenixQueries ? "[]", __kubenixContext ? "{}", ... }@args:
let
  inherit (builtins)
    attrNames concatLists deepSeq elemAt foldl' genList isAttrs isList length
    toJSON trace tryEval typeOf unsafeGetAttrPos;

  userArgs = removeAttrs args [ "__kubenixFile" "__kubenixMode" "__kubenixQueries" "__kubenixContext" ];
  file = /. + __kubenixFile;
  imported = import file;

  kubenix = import ./lib { context = builtins.fromJSON __kubenixContext; };

  nixpkgsOnPath = builtins.any
    (e: e.prefix == "nixpkgs" || (e.prefix == "" && builtins.pathExists (e.path + "/nixpkgs")))
    builtins.nixPath;
  fromNixpkgs =
    if nixpkgsOnPath then
      let pkgs = import <nixpkgs> { }; in { inherit pkgs; lib = pkgs.lib; }
    else { };
  value = import ./call.nix { name = __kubenixFile; inherit kubenix userArgs; extra = fromNixpkgs; } imported;

  isObject = v: v ? apiVersion || v ? kind;
  # A derivation (or anything with outPath) serialises to its store path, like a string.
  isLeafSet = v: v ? outPath;
  posOf = v:
    let k = unsafeGetAttrPos "kind" v; in
    if k != null then k else unsafeGetAttrPos "apiVersion" v;

  # Objects: stop at the first attrset with apiVersion or kind, but look into
  # the items of a List.
  walk = path: site: v:
    if isAttrs v then
      if isObject v then
        [{ inherit path site; pos = posOf v; }]
        ++ (if (v.kind or null) == "List" && isList (v.items or null)
            then walkList (path ++ [ "items" ]) site v.items else [ ])
      else if isLeafSet v then [ ]
      else concatLists (map (n: walk (path ++ [ n ]) (unsafeGetAttrPos n v) v.${n}) (attrNames v))
    else if isList v then walkList path site v
    else if v == null then [ ]
    else [{ inherit path site; pos = null; }]; # not an object: kubenix reports it
  walkList = path: site: l: concatLists (genList (i: walk (path ++ [ i ]) site (elemAt l i)) (length l));

  children = path: pos: v: t:
    if t == "set" && !(isLeafSet v) then
      map (n: { path = path ++ [ n ]; pos = unsafeGetAttrPos n v; value = v.${n}; }) (attrNames v)
    else if t == "list" then
      genList (i: { path = path ++ [ i ]; inherit pos; value = elemAt v i; }) (length v)
    else [ ];

  # locate: the innermost attribute or element whose value fails to evaluate.
  # throw and assert are caught; any other error ends the process, and the
  # last "kubenix-try" trace line says which child was being evaluated.
  deepOk = v: (tryEval (deepSeq (if isAttrs v && isLeafSet v then v.outPath else v) true)).success;
  try = c: trace "kubenix-try ${toJSON { inherit (c) path pos; }}" (deepOk c.value);
  locate = path: pos: v:
    let
      t = tryEval (typeOf v);
      firstBad = foldl' (found: c: if found != null then found else if try c then null else c) null
        (children path pos v t.value);
    in
    if !t.success || firstBad == null then { inherit path pos; }
    else locate firstBad.path firstBad.pos firstBad.value;

  # bad: functions and paths, which have no place in a manifest.
  bad = path: pos: v:
    let t = typeOf v; in
    if t == "lambda" || t == "path" then [{ inherit path pos; type = t; }]
    else concatLists (map (c: bad c.path c.pos c.value) (children path pos v t));
  # The keyed-resources form: resources.<plural>.<name> at the top level.
  keyed = v:
    if isAttrs v && v ? resources && isAttrs v.resources && !(isObject v) then
      concatLists (map
        (plural:
          let byName = v.resources.${plural}; in
          if isAttrs byName then
            map (name: { path = [ "resources" plural name ]; pos = unsafeGetAttrPos name byName; site = unsafeGetAttrPos name byName; })
              (attrNames byName)
          else [ ])
        (attrNames v.resources))
    else [ ];
  walkTop = v:
    if isAttrs v && v ? resources && isAttrs v.resources && !(isObject v)
    then keyed v ++ walk [ ] null (removeAttrs v [ "resources" ])
    else walk [ ] null v;
  posAt = v: segs: best:
    if segs == [ ] then best
    else
      let s = builtins.head segs; rest = builtins.tail segs; in
      if builtins.isString s && isAttrs v && v ? ${s} then
        let p = unsafeGetAttrPos s v; in posAt v.${s} rest (if p != null then p else best)
      else if builtins.isInt s && isList v && s >= 0 && s < length v then posAt (elemAt v s) rest best
      else best;
in
if __kubenixMode == "locate" then locate [ ] null value
else if __kubenixMode == "positions" then map (q: posAt value q null) (builtins.fromJSON __kubenixQueries)
else if __kubenixMode == "bad" then bad [ ] null value
else if __kubenixMode == "floats" then (import ./lib/json.nix).encode value
else {
  inherit value;
  objects = walkTop value;
  storeDir = builtins.storeDir;
  context = builtins.getContext (toJSON value);
}
