# The kubenix Nix library, passed to user files as the `kubenix` argument.
# Plain functions over attrsets: no module system, no nixpkgs needed.
{ }:
let
  inherit (builtins) attrNames filter foldl' isAttrs isList map;

  isObject = v: isAttrs v && v ? apiVersion && v ? kind;

  # recursiveUpdate a b: b's attributes win; nested attrsets are merged.
  recursiveUpdate = a: b:
    foldl'
      (acc: n: acc // {
        ${n} = if isAttrs (a.${n} or null) && isAttrs b.${n} && !(isObject b.${n})
          then recursiveUpdate a.${n} b.${n} else b.${n};
      })
      a
      (attrNames b);

  # mapObjects f tree: apply f to every Kubernetes object in a tree of
  # attrsets and lists (as kubenix extracts them), keeping the tree's shape.
  mapObjects = f: tree:
    if isObject tree then
      (if tree.kind == "List" && isList (tree.items or null)
       then tree // { items = map (mapObjects f) tree.items; } else f tree)
    else if isAttrs tree then builtins.mapAttrs (_: mapObjects f) tree
    else if isList tree then map (mapObjects f) tree
    else tree;

  # objects tree: the flat list of objects in a tree.
  objects = tree:
    if isObject tree then
      (if tree.kind == "List" && isList (tree.items or null)
       then builtins.concatMap objects tree.items else [ tree ])
    else if isAttrs tree then builtins.concatMap (n: objects tree.${n}) (attrNames tree)
    else if isList tree then builtins.concatMap objects tree
    else [ ];

  # filterObjects pred tree: the objects of tree for which pred is true.
  filterObjects = pred: tree: filter pred (objects tree);

  # patch objects: merge a patch into every object matching kind (and name).
  patch = { kind ? null, name ? null }: p: mapObjects (o:
    if (kind == null || o.kind == kind) && (name == null || (o.metadata.name or null) == name)
    then recursiveUpdate o p else o);

  withMeta = field: extra: mapObjects (o: o // {
    metadata = (o.metadata or { }) // { ${field} = extra // (o.metadata.${field} or { }); };
  });
in
{
  version = "@VERSION@";
  inherit recursiveUpdate mapObjects objects filterObjects patch;

  # withLabels labels tree: add labels to every object (an object's own labels win).
  withLabels = withMeta "labels";
  # withAnnotations annotations tree: the same for annotations.
  withAnnotations = withMeta "annotations";
  # keyed name list: turn { a = {...}; b = {...}; } into [ { name = "a"; ...} ... ]
  # (sorted by name, as Nix orders attributes).
  list = set: map (n: { name = n; } // set.${n}) (attrNames set);
}
