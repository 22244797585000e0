# The kubenix Nix library, passed to user files as the `kubenix` argument.
# Plain functions over attrsets: no module system, no nixpkgs needed.
#
# context comes from the kubenix run (nixcall.Context): the build's
# Kubernetes version and namespace, the lock; replies are kubenix's answers
# to the library's calls (see `call`). nix/lib.nix (kubenix.lib.manifests)
# imports this same file with evaluator = "nix": Nix evaluates the app
# without kubenix.
{ context ? { }, replies ? { } }:
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
  # call asks kubenix for what needs Go (a Helm render, a YAML parse).
  # Nix code cannot run programs: kubenix never enables builtins.exec. So
  # the CLI evaluates an app as a fixpoint: a call whose reply is not in
  # the replies directory yet writes its request to standard error (a
  # `kubenix-request KEY REQUEST` trace line, KEY being the sha256 of the
  # request's JSON text) and returns a placeholder, []; kubenix answers
  # every request of the pass, writes the replies (replies.dir/SUB/KK/KEY.json,
  # the answer itself in KEY.objects.json; content-addressed, so they are
  # also the cache; replies.private for a render with a plaintext Secret,
  # which no cache keeps), and evaluates again
  # until a pass asks nothing new. A failed call's report comes back in
  # replies.errors, by key. See eval's package doc and the README (Security).
  callers = { "helm.render" = "kubenix.helm.chart"; "yaml.parse" = "kubenix.fromYAML"; "secrets.sops" = "kubenix.secrets.sops"; };
  repliesDir = replies.dir or "";
  privateDir = replies.private or "";
  replyErrors = replies.errors or { };
  call = { op, sub, request, caller ? op, site ? null, accept ? (_: true), stat ? null }:
    let
      text = builtins.toJSON (request // { inherit op; version = context.version or ""; });
      key = builtins.hashString "sha256" text;
      path = dir: suffix: "${dir}/${sub}/${builtins.substring 0 2 key}/${key}${suffix}";
      # The cache, or the evaluation's own directory (a reply no cache keeps).
      replyDir = if privateDir != "" && !(repliesDir != "" && builtins.pathExists (path repliesDir ".json")) then privateDir else repliesDir;
      file = path replyDir ".json";
      # The answer is JSON text of its own: Nix reads a 4 MB string inside
      # a JSON file twice as slowly as the same text as a file.
      objectsFile = path replyDir ".objects.json";
      entry = builtins.fromJSON (builtins.readFile file);
      objects = builtins.readFile objectsFile;
      found = (repliesDir != "" || privateDir != "") && builtins.pathExists file && builtins.pathExists objectsFile
        && builtins.hashString "sha256" objects == entry.checksum && accept entry;
      report = if stat == null then (v: v) else builtins.trace "kubenix-stat ${builtins.toJSON (stat entry // { inherit op key; })}";
    in
    if replyErrors ? ${key} then
      throw "kubenix-error:${builtins.toJSON (replyErrors.${key} // (if site == null then { } else { call = site; }))}"
    else if found then report (builtins.fromJSON objects)
    else if (context.evaluator or "cli") == "nix" then
      throw ("kubenix: ${callers.${caller}} cannot run in kubenix.lib.manifests (a flake output or plain Nix):"
        + " it needs kubenix's Go side, which only the kubenix CLI's evaluation has."
        + " Render with the CLI instead (kubenix build ./app.nix --out-dir deploy/manifests), commit the directory,"
        + " and make the flake output that directory (README: Manifests as a flake output)")
    else builtins.trace "kubenix-request ${key} ${text}" [ ];

  lockedCharts = (context.lock or { }).charts or { };

  # Floats written exactly (Nix 2.8's toJSON keeps 6 digits): json.nix.
  json = import ./json.nix;

  # An image reference for a derivation that builds an image archive,
  # tagged with the store hash of its output. The string carries the
  # derivation in its context (not its text), which is how kubenix finds
  # the images a build needs.
  storeHash = out: builtins.substring (builtins.stringLength builtins.storeDir + 1) 32 (builtins.unsafeDiscardStringContext out);
  stripSuffixes = n:
    let
      drop = suffix: s:
        let ls = builtins.stringLength s; lx = builtins.stringLength suffix; in
        if ls > lx && builtins.substring (ls - lx) lx s == suffix then builtins.substring 0 (ls - lx) s else s;
    in
    drop "-image" (drop "-docker-image" (drop ".tar" (drop ".tar.gz" (drop ".tgz" n))));
  imageRef = { drv, name ? (drv.imageName or (stripSuffixes (drv.name or "image"))), registry ? context.imageRegistry or "localhost:5000" }:
    let out = if builtins.isAttrs drv then drv.outPath else toString drv; in
    "${registry}/${name}:${storeHash out}" + builtins.substring 0 0 out;
  asImageArgs = arg:
    if builtins.isPath arg then { drv = import arg; }
    else if builtins.isAttrs arg && arg ? drv then arg
    else { drv = arg; };
in
{
  version = context.version or "@VERSION@";

  # helm.chart renders a Helm chart (a directory, a .tgz, or helm.fetch's
  # result) as `helm template` would, and returns the list of its objects,
  # ready to map, filter and patch.
  #
  # Renders are cached by the chart's content, the values and the options:
  # a cached render is read here, in Nix, without another evaluation pass.
  helm.chart =
    { chart
    , name
    , namespace ? context.namespace or "default"
    , values ? { }
    , includeCRDs ? true
    , kubeVersion ? context.kubeVersion or null
    , apiVersions ? [ ]
    , noHooks ? false
    , skipTests ? false
    }@args:
    let
      # Where the call was written (its chart attribute): errors and the
      # rendered objects' diagnostics name it next to the chart file.
      site = builtins.unsafeGetAttrPos "chart" args;
      withSite = objs:
        if site == null then objs
        else map (o: o // { __kubenixOrigin = (o.__kubenixOrigin or { }) // { call = site; }; }) objs;
      # values reach Helm as its values document, which is a mapping: say
      # so here, at the values attribute, rather than in Go's words.
      valuesPos = builtins.unsafeGetAttrPos "values" args;
      checkedValues =
        if values == null then { }
        else if isAttrs values then values
        else throw "kubenix-error:${builtins.toJSON ({
          message = "kubenix.helm.chart: values must be an attribute set, found a value of type ${builtins.typeOf values}";
          hint = "values = { replicaCount = 2; }; or from a file: values = builtins.head (kubenix.fromYAML (builtins.readFile ./values.yaml));";
        } // (if valuesPos == null then { } else { inherit (valuesPos) file line; col = valuesPos.column; })
          // (if site == null then { } else { call = site; }))}";
      chartPath = toString chart;
      inStore = builtins.substring 0 (builtins.stringLength builtins.storeDir + 1) chartPath == builtins.storeDir + "/";
      # What identifies the chart's content: its store path (a directory
      # outside the store is added to it, once per content).
      chartId =
        if inStore || !(builtins.pathExists chartPath) then chartPath
        else builtins.unsafeDiscardStringContext (toString (builtins.path { path = /. + chartPath; name = "kubenix-chart"; }));
    in
    withSite (call {
      op = "helm.render";
      sub = "helm-renders";
      request = {
        inherit chartId;
        render = {
          chart = chartPath;
          values = json.encode checkedValues;
          inherit name namespace includeCRDs kubeVersion noHooks skipTests;
          apiVersions = (context.apiVersions or [ ]) ++ apiVersions;
        };
      };
      # Not in the request (its key would change with every edit above the
      # call): added to a failure's report where it is thrown.
      inherit site;
      # With --strict, a render known to differ each time is asked again,
      # so that kubenix reports it.
      accept = entry: !((context.strict or false) && entry.nondeterministic != [ ]);
      stat = entry: { inherit (entry) chart nondeterministic; release = name; };
    });

  # helm.fetch gives the chart archive that kubenix.lock pins for a
  # repository (https://... or oci://...), chart and version, as a
  # fixed-output store path: offline and reproducible once locked.
  helm.fetch = { repo, chart, version }:
    let
      key = "${repo}/${chart}@${version}";
      entry = lockedCharts.${key} or (throw
        "kubenix: ${chart} ${version} from ${repo} is not in kubenix.lock; run: kubenix helm add ${repo} ${chart} --version ${version}");
    in
    builtins.fetchurl { inherit (entry) url sha256 name; };

  # image drv, or image { drv; name ? ...; registry ? ...; }: the
  # reference of a Nix-built image, registry/name:<store hash>. drv builds
  # a docker archive (dockerTools.buildImage, buildLayeredImage), an OCI
  # layout, or a stream script (streamLayeredImage); a path to a .nix file
  # that evaluates to one is imported. `kubenix build --images build`
  # builds it and pins the reference by digest.
  # image.snapshotter drv: the nix-snapshotter form, nix:0/nix/store/...
  image = {
    __functor = _: arg: imageRef (asImageArgs arg);
    snapshotter = arg:
      let drv = (asImageArgs arg).drv; in
      "nix:0${if builtins.isAttrs drv then drv.outPath else toString drv}";
  };

  # fromYAML parses a YAML string into the list of its documents, read as
  # kubectl reads them (so `yes` is true).
  fromYAML = s: call { op = "yaml.parse"; sub = "yaml-parses"; request.yaml = s; };

  # secrets.sops ./db.sops.yaml: a Secret encrypted with SOPS (by the sops
  # CLI, with its metadata in plain text), put in the build as it is: the
  # file's bytes are written unchanged, still encrypted, and nothing is
  # decrypted; kubenix apply or Flux decrypts it. toString keeps the file
  # out of the store (it is encrypted, but there is no need).
  secrets.sops = file:
    let
      text = builtins.readFile file;
      # Reported as kubenix.secrets.sops where it cannot run (caller).
      docs = call { op = "yaml.parse"; sub = "yaml-parses"; request.yaml = text; caller = "secrets.sops"; };
      doc = builtins.head docs;
    in
    if builtins.length docs != 1 || !(isObject doc)
    then throw "kubenix.secrets.sops ${toString file}: expected one Kubernetes Secret encrypted with sops"
    else doc // { __kubenixSops = { file = toString file; inherit text; }; };
  inherit recursiveUpdate mapObjects objects filterObjects patch;

  # withLabels labels tree: add labels to every object (an object's own labels win).
  withLabels = withMeta "labels";
  # withAnnotations annotations tree: the same for annotations.
  withAnnotations = withMeta "annotations";
  # keyed name list: turn { a = {...}; b = {...}; } into [ { name = "a"; ...} ... ]
  # (sorted by name, as Nix orders attributes).
  list = set: map (n: { name = n; } // set.${n}) (attrNames set);
}
