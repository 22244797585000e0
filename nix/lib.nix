# kubenix's Nix API outside the CLI: an app's manifests as a derivation, for
# flakes (kubenix.lib.manifests) and plain Nix (default.nix). The README's
# "Manifests as a flake output" documents it.
#
# A derivation's builder cannot evaluate Nix, so the work is split: Nix
# evaluates the app here, at evaluation time, with the same kubenix library
# the CLI embeds (eval/nix/lib, called as eval/nix/call.nix calls it), and
# hands its value to a derivation as JSON; the derivation runs only
# kubenix's later stages, `kubenix build --from-json TREE --out-dir $out`:
# normalize, validate, pin images, order, write.
{
  # The version the library reports (kubenix.version in the app).
  version ? "dev"
, # pkgs -> the kubenix package, for manifests' default `kubenix`.
  packageFor ? (pkgs: throw "kubenix.lib.manifests: pass kubenix = <the kubenix package>")
}:
let
  inherit (builtins) attrNames baseNameOf concatStringsSep filter getContext head isFunction
    isPath isString replaceStrings stringLength substring toJSON unsafeDiscardStringContext;

  shellArg = s: "'" + replaceStrings [ "'" ] [ "'\\''" ] (toString s) + "'";
  dropSuffix = suffix: s:
    let ls = stringLength s; lx = stringLength suffix; in
    if ls >= lx && substring (ls - lx) lx s == suffix then substring 0 (ls - lx) s else s;

  # What kubenix build calls an app: its file's name, or its directory's
  # for default.nix (the same as the CLI's store name).
  appName = app:
    if isPath app || isString app then
      let
        base = baseNameOf (toString app);
        file = if base == "default.nix" then baseNameOf (dirOf (toString app)) else base;
      in
      dropSuffix ".nix" (unsafeDiscardStringContext file)
    else "app";

  library = { namespace ? "default", kubeVersion ? null, imageRegistry ? "localhost:5000" }:
    import ../eval/nix/lib {
      context = {
        evaluator = "nix";
        inherit version namespace imageRegistry;
      } // (if kubeVersion != null then { inherit kubeVersion; } else { });
    };

  # tree: an app's value, as `kubenix build` evaluates it. app is a .nix
  # file (or a directory with default.nix), a function, or a value; args are
  # the function's arguments (what --arg/--argstr give the CLI), and pkgs and
  # lib are passed when it asks for them.
  tree =
    { app
    , args ? { }
    , pkgs ? null
    , namespace ? "default"
    , kubeVersion ? null
    , imageRegistry ? "localhost:5000"
    }:
    let
      imported = if isPath app || isString app then import app else app;
      extra = if pkgs == null then { } else { inherit pkgs; } // (if pkgs ? lib then { inherit (pkgs) lib; } else { });
    in
    import ../eval/nix/call.nix
      {
        name = if isPath app || isString app then toString app else "the app";
        kubenix = library { inherit namespace kubeVersion imageRegistry; };
        userArgs = args;
        inherit extra;
      }
      imported;

  # The JSON of a tree, refusing Nix paths: toJSON would copy them to the
  # store and write the store path into the manifest (the CLI refuses them
  # too). Derivations the tree names (kubenix.image) stay in the string's
  # context, so they become inputs of the derivation that uses it.
  # Floats are written exactly (Nix 2.8's toJSON keeps 6 significant
  # digits; eval/nix/lib/json.nix), which --from-json reads back.
  treeJSON = value:
    let
      json = toJSON ((import ../eval/nix/lib/json.nix).encode value);
      ctx = getContext json;
      paths = filter (p: ctx.${p}.path or false) (attrNames ctx);
    in
    if paths != [ ] then
      throw "kubenix: a Nix path is part of a manifest (it became ${head paths}): use builtins.readFile ./file for its content, or a string"
    else json;

  # The objects of a value whose data or stringData hold values in plain
  # text: a Secret, or a kind of sensitiveKinds (Kind or group/Kind). Here,
  # unlike in the CLI, they must be refused during evaluation: the tree's
  # JSON is an attribute of the derivation, so it is in its .drv in the
  # store before kubenix runs.
  plaintextSecrets = sensitiveKinds: value:
    let
      group = o: let m = builtins.match "([^/]*)/.*" (o.apiVersion or ""); in if m == null then "" else head m;
      sensitive = o: (o.kind == "Secret" && (o.apiVersion or "") == "v1")
        || builtins.elem o.kind sensitiveKinds || builtins.elem "${group o}/${o.kind}" sensitiveKinds;
      keys = o: f: let m = o.${f} or null; in
        if builtins.isAttrs m then filter (k: m.${k} != "" && m.${k} != null) (attrNames m) else [ ];
      plain = o: !(o ? sops) && !(o ? __kubenixSops) && keys o "data" ++ keys o "stringData" != [ ];
    in
    map (o: "${o.kind}/${o.metadata.name or "?"} (keys ${concatStringsSep ", " (keys o "data" ++ keys o "stringData")})")
      (filter (o: sensitive o && plain o) ((library { }).objects value));

  manifests =
    { pkgs
    , app
    , args ? { }
    , name ? "${appName app}-manifests"
    , kubeVersion ? null
    , namespace ? "default"
    , crds ? [ ]
    , lock ? null
    , allowUnknownKinds ? false
    , allowUnknownFields ? false
    , allowPlaintextSecrets ? false
    , sensitiveKinds ? [ ]
    , requirePinned ? false
    , imageRegistry ? "localhost:5000"
    , imageFields ? [ ]
    , buildImages ? true
    , kubenix ? packageFor pkgs
    }:
    let
      value = tree { inherit app args pkgs namespace kubeVersion imageRegistry; };
      plaintext = if allowPlaintextSecrets then [ ] else plaintextSecrets sensitiveKinds value;
      json =
        if plaintext != [ ] then
          throw ("kubenix: ${concatStringsSep "; " plaintext}: values in plain text, which kubenix.lib.manifests would put"
            + " in the world-readable Nix store (the derivation's .drv holds the app's value). Keep only a reference"
            + " (External Secrets, Secrets Store CSI), or build with the CLI and kubenix.secrets.sops;"
            + " allowPlaintextSecrets = true writes them anyway (README: Secrets)")
        else treeJSON value;
      # Diagnostics name this file: positions do not survive toJSON.
      treeFile = "${appName app}.nix.json";
      flags = [ "--namespace" namespace ]
        ++ (if kubeVersion != null then [ "--kube-version" kubeVersion ] else [ ])
        ++ builtins.concatMap (c: [ "--crd" c ]) crds
        ++ (if lock != null then [ "--lock" lock ] else [ ])
        ++ (if allowUnknownKinds then [ "--allow-unknown-kinds" ] else [ ])
        ++ (if allowUnknownFields then [ "--allow-unknown-fields" ] else [ ])
        ++ (if allowPlaintextSecrets then [ "--allow-plaintext-secrets" ] else [ ])
        ++ builtins.concatMap (k: [ "--sensitive-kind" k ]) sensitiveKinds
        ++ (if requirePinned then [ "--require-pinned" ] else [ ])
        ++ builtins.concatMap (f: [ "--image-field" f ]) imageFields
        ++ (if buildImages then [ "--images" "build" ] else [ ]);
    in
    pkgs.runCommand name
      {
        # With buildImages the images the tree names are inputs: built
        # first, then pinned by digest, and kept alive by the result.
        tree = if buildImages then json else unsafeDiscardStringContext json;
        passAsFile = [ "tree" ];
      }
      ''
        export XDG_CACHE_HOME="$TMPDIR/cache"
        ln -s "$treePath" ${shellArg treeFile}
        ${kubenix}/bin/kubenix build --from-json ${shellArg treeFile} --out-dir "$out" ${concatStringsSep " " (map shellArg flags)}
      '';
in
{
  inherit manifests tree;
  # The kubenix library as apps get it here (helm.chart, fromYAML and secrets.sops
  # excepted: they need the CLI's evaluation).
  library = library { };
}
