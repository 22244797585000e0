package main

// Tests of the Nix packaging: flake.nix, default.nix and nix/lib.nix
// (kubenix.lib.manifests). What needs nixpkgs or the network (nix build of
// the package, a flake.lock) cannot run here; everything else does, against
// stand-ins for nixpkgs and gomod2nix (testdata/flake).

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestNixFilesParse(t *testing.T) {
	requireNix(t)
	root := repoRoot(t)
	for _, f := range []string{"flake.nix", "default.nix", "nix/lib.nix", "nix/package.nix", "eval/nix/call.nix",
		"cmd/kubenix/testdata/flake/nixpkgs/flake.nix", "cmd/kubenix/testdata/flake/gomod2nix/flake.nix"} {
		if out, err := exec.Command("nix-instantiate", "--parse", filepath.Join(root, f)).CombinedOutput(); err != nil {
			t.Errorf("%s does not parse: %v\n%s", f, err, out)
		}
	}
}

// fakePackage is a directory shaped like the kubenix package (bin/kubenix)
// whose binary is this test binary acting as kubenix.
func fakePackage(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "bin"), 0o755)
	script := fmt.Sprintf("#!/bin/sh\nKUBENIX_TEST_AS_MAIN=1 exec %q \"$@\"\n", self)
	if err := os.WriteFile(filepath.Join(dir, "bin", "kubenix"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// stubRunCommand is what the derivation that kubenix.lib.manifests makes
// looks like with a pkgs whose runCommand records its arguments.
type stubRunCommand struct {
	Name string
	Env  struct {
		Tree       string
		PassAsFile []string
	}
	Script string
}

// manifestsCall evaluates kubenix.lib.manifests with a stub pkgs.
func manifestsCall(t *testing.T, args string) stubRunCommand {
	t.Helper()
	root, _ := filepath.Abs(repoRoot(t))
	expr := fmt.Sprintf(`(import %s/nix/lib.nix { }).manifests ({ pkgs = { runCommand = name: env: script: { inherit name env script; }; lib = { }; }; } // %s)`, root, args)
	cmd := exec.Command("nix-instantiate", "--eval", "--strict", "--json", "-E", expr)
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("kubenix.lib.manifests: %v\n%s", err, stderr)
	}
	var rc stubRunCommand
	if err := json.Unmarshal(out, &rc); err != nil {
		t.Fatal(err)
	}
	return rc
}

// runBuilder runs the derivation's script as a builder would: the tree in
// the file passAsFile names, $out not there yet, a scratch directory.
func runBuilder(t *testing.T, rc stubRunCommand) (string, string, error) {
	t.Helper()
	build := t.TempDir()
	tree := filepath.Join(t.TempDir(), ".attr-tree")
	writeFile(t, tree, rc.Env.Tree)
	out := filepath.Join(t.TempDir(), "out")
	cmd := exec.Command("bash", "-e", "-c", rc.Script)
	cmd.Dir = build
	cmd.Env = append(os.Environ(), "treePath="+tree, "out="+out, "TMPDIR="+build, "NIX_STORE=/nix/store", "NO_COLOR=1")
	b, err := cmd.CombinedOutput()
	return out, string(b), err
}

func nixArgs(args []string) string {
	var b strings.Builder
	b.WriteString("{ ")
	for i := 0; i+2 < len(args); i += 3 {
		v := args[i+2]
		if args[i] == "--argstr" {
			q, _ := json.Marshal(v)
			v = string(q)
		}
		fmt.Fprintf(&b, "%s = %s; ", args[i+1], v)
	}
	b.WriteString("}")
	return b.String()
}

// The manifests of kubenix.lib.manifests are the CLI's, byte for byte: the
// Nix side evaluates every example the way kubenix build does, and the
// derivation's script (`kubenix build --from-json`) writes golden/ from the
// JSON. Only the Helm example cannot be built this way (see
// TestLibManifestsRefusesHelm).
func TestLibManifestsMatchesGolden(t *testing.T) {
	requireNix(t)
	root, _ := filepath.Abs(repoRoot(t))
	pkg := fakePackage(t)
	// The Nix-built image of examples/image is an input of the manifests
	// derivation; here it is built beforehand.
	if out, err := exec.Command("nix-build", "--no-out-link", filepath.Join(root, "examples", "image", "image.nix")).CombinedOutput(); err != nil {
		t.Fatalf("building the example image: %v\n%s", err, out)
	}
	for _, v := range exampleVariants(t, root) {
		if v.Example == "helm" || v.Name == "image-tagged" {
			continue
		}
		t.Run(v.Name, func(t *testing.T) {
			var args []string
			for _, a := range v.Args {
				if a != "--images" && a != "build" {
					args = append(args, a)
				}
			}
			rc := manifestsCall(t, fmt.Sprintf(`{ app = %s/examples/%s/app.nix; args = %s; kubenix = %q; }`, root, v.Example, nixArgs(args), pkg))
			if want := "app-manifests"; rc.Name != want {
				t.Errorf("derivation name %q, want %q", rc.Name, want)
			}
			if len(rc.Env.PassAsFile) != 1 || rc.Env.PassAsFile[0] != "tree" {
				t.Errorf("passAsFile = %v, want [tree]: a large tree does not fit in the environment", rc.Env.PassAsFile)
			}
			if !strings.Contains(rc.Script, pkg+"/bin/kubenix build --from-json 'app.nix.json' --out-dir \"$out\"") {
				t.Errorf("the script does not run kubenix build --from-json:\n%s", rc.Script)
			}
			out, log, err := runBuilder(t, rc)
			if err != nil {
				t.Fatalf("builder: %v\n%s", err, log)
			}
			compareTrees(t, filepath.Join(root, "golden", v.Name), out)
		})
	}
}

// Without buildImages the images are not inputs: the references stay as
// kubenix.image wrote them, tagged with the store hash, but nothing says
// they are Nix-built, so images.txt lists them as not pinned.
func TestLibManifestsWithoutBuildingImages(t *testing.T) {
	requireNix(t)
	root, _ := filepath.Abs(repoRoot(t))
	rc := manifestsCall(t, fmt.Sprintf(`{ app = %s/examples/image/app.nix; buildImages = false; kubenix = %q; }`, root, fakePackage(t)))
	if strings.Contains(rc.Script, "--images") {
		t.Errorf("script asks to pin images:\n%s", rc.Script)
	}
	out, log, err := runBuilder(t, rc)
	if err != nil {
		t.Fatalf("builder: %v\n%s", err, log)
	}
	got, want := readTree(t, out), readTree(t, filepath.Join(root, "golden", "image-tagged"))
	for _, f := range []string{"0010-namespace-shop.yaml", "0280-deployment-shop-motd.yaml"} {
		if got[f] != want[f] {
			t.Errorf("%s:\n%s\nwant:\n%s", f, got[f], want[f])
		}
	}
	if !strings.Contains(got["images.txt"], ":17fn28f0pwysla44wd7l52547mpzwifc\tnone\t-\t") {
		t.Errorf("images.txt:\n%s", got["images.txt"])
	}
}

// Errors from the derivation name the tree file, the tree path and the
// object; there are no lines (positions do not survive toJSON).
func TestLibManifestsInvalidObject(t *testing.T) {
	requireNix(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "shop.nix"), `{ kubenix, replicas }: {
  web = { apiVersion = "apps/v1"; kind = "Deployment"; metadata.name = "web";
    spec = { inherit replicas; selector.matchLabels.app = "web";
      template = { metadata.labels.app = "web"; spec.containers = [ { name = "web"; image = "nginx:1.27"; } ]; }; }; };
}`)
	rc := manifestsCall(t, fmt.Sprintf(`{ app = %s/shop.nix; args.replicas = "two"; namespace = "shop"; kubeVersion = "1.31"; kubenix = %q; }`, dir, fakePackage(t)))
	if rc.Name != "shop-manifests" || !strings.Contains(rc.Script, `'--namespace' 'shop' '--kube-version' '1.31'`) {
		t.Errorf("name %q, script:\n%s", rc.Name, rc.Script)
	}
	out, log, err := runBuilder(t, rc)
	if err == nil {
		t.Fatalf("an invalid object was written:\n%s", log)
	}
	want := `shop.nix.json: error: Deployment/shop/web: spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"` + "\n  in .web\n"
	if !strings.Contains(log, want) {
		t.Errorf("builder log:\n%s\nwant:\n%s", log, want)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("$out exists after a failed build")
	}
}

// Nix refuses what would not be the CLI's output: an argument the app
// does not take, a path inside a manifest, and a Helm chart (which needs
// the kubenix binary during evaluation), each with a message that says
// what to do.
func TestLibManifestsRefuses(t *testing.T) {
	requireNix(t)
	root, _ := filepath.Abs(repoRoot(t))
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "path.nix"), `{ kubenix }: { cm = { apiVersion = "v1"; kind = "ConfigMap"; metadata.name = "c"; data.f = ./path.nix; }; }`)
	writeFile(t, filepath.Join(dir, "sops.nix"), `{ kubenix }: { s = kubenix.secrets.sops ./secret.nix; }`)
	writeFile(t, filepath.Join(dir, "secret.nix"), `{ kubenix }: { s = { apiVersion = "v1"; kind = "Secret"; metadata.name = "db"; stringData.password = "hunter2-canary"; }; }`)
	for name, c := range map[string]struct{ args, want string }{
		"unknown argument": {fmt.Sprintf(`{ app = %s/examples/params/app.nix; args.evn = "prod"; }`, root),
			"kubenix: " + root + "/examples/params/app.nix does not take argument 'evn'"},
		"path": {fmt.Sprintf(`{ app = %s/path.nix; }`, dir),
			"kubenix: a Nix path is part of a manifest"},
		"plaintext secret": {fmt.Sprintf(`{ app = %s/secret.nix; }`, dir),
			"kubenix: Secret/db (keys password): values in plain text"},
		"sops": {fmt.Sprintf(`{ app = %s/sops.nix; }`, dir),
			"kubenix: kubenix.secrets.sops cannot run in kubenix.lib.manifests"},
		"helm": {fmt.Sprintf(`{ app = %s/examples/helm/app.nix; }`, root),
			"kubenix: kubenix.helm.chart cannot run in kubenix.lib.manifests"},
	} {
		t.Run(name, func(t *testing.T) {
			expr := fmt.Sprintf(`((import %s/nix/lib.nix { }).manifests ({ pkgs = { runCommand = name: env: script: { inherit name env script; }; }; kubenix = "/k"; } // %s)).env.tree`, root, c.args)
			out, err := exec.Command("nix-instantiate", "--eval", "--strict", "-E", expr).CombinedOutput()
			if err == nil || !strings.Contains(string(out), c.want) {
				t.Errorf("%v\n%s\nwant %q", err, out, c.want)
			}
			if strings.Contains(string(out), "hunter2-canary") {
				t.Errorf("the message shows the secret value:\n%s", out)
			}
		})
	}
}

// flake.nix's outputs evaluate, with testdata/flake standing in for nixpkgs
// and gomod2nix (which cannot be fetched here), and have the shape the
// README promises.
func TestFlakeOutputs(t *testing.T) {
	requireNix(t)
	root, _ := filepath.Abs(repoRoot(t))
	// The flake's own files, copied: a path: flake of the whole repository
	// would copy bin/ and every result into the store on each run.
	src := filepath.Join(t.TempDir(), "kubenix")
	for _, p := range []string{"flake.nix", "default.nix", "go.mod", "gomod2nix.toml", "nix", "eval/nix", "examples"} {
		if err := os.CopyFS(filepath.Join(src, p), os.DirFS(filepath.Join(root, p))); err != nil {
			if err := copyFile(filepath.Join(root, p), filepath.Join(src, p)); err != nil {
				t.Fatal(err)
			}
		}
	}
	stubs := filepath.Join(root, "cmd", "kubenix", "testdata", "flake")
	eval := func(attr, apply string) any {
		t.Helper()
		args := []string{"--extra-experimental-features", "nix-command flakes", "eval", "--json", "--no-write-lock-file",
			"--override-input", "nixpkgs", "path:" + filepath.Join(stubs, "nixpkgs"),
			"--override-input", "gomod2nix", "path:" + filepath.Join(stubs, "gomod2nix"),
			"path:" + src + "#" + attr, "--apply", apply}
		cmd := exec.Command("nix", args...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("nix eval %s: %v\n%s", attr, err, stderr.String())
		}
		var v any
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	check := func(what string, got any, want string) {
		t.Helper()
		b, _ := json.Marshal(got)
		if string(b) != want {
			t.Errorf("%s = %s, want %s", what, b, want)
		}
	}

	pkg := `p: { inherit (p.attrs) pname version subPackages ldflags doCheck; modules = baseNameOf p.attrs.modules;
		completions = builtins.match ".*installShellCompletion --cmd kubenix.*--bash.*--zsh.*--fish.*" p.attrs.postInstall != null;
		excludesBin = !p.attrs.src.filtered; }`
	check("packages.x86_64-linux.default", eval("packages.x86_64-linux.default", pkg),
		`{"completions":true,"doCheck":false,"excludesBin":true,"ldflags":["-s","-w","-X github.com/kubenix/kubenix/version.Version=dirty","-X github.com/kubenix/kubenix/version.Commit="],"modules":"gomod2nix.toml","pname":"kubenix","subPackages":["cmd/kubenix"],"version":"dirty"}`)
	check("packages.aarch64-darwin.kubenix", eval("packages.aarch64-darwin.kubenix", `p: p.attrs.pname`), `"kubenix"`)
	check("apps.x86_64-linux.default", eval("apps.x86_64-linux.default", `a: a`), `{"program":"/stub/kubenix-dirty/bin/kubenix","type":"app"}`)
	check("devShells.x86_64-linux.default", eval("devShells.x86_64-linux.default", `s: map (p: p.pname) s.packages`), `["go","nix","kubectl","helm","gnumake"]`)
	check("overlays.default", eval("overlays.default", `o: let
		final = { lib = { cleanSource = s: s; cleanSourceWith = a: a; removePrefix = p: s: s; hasPrefix = p: s: false; optionalString = c: s: s; };
		  stdenv = { hostPlatform.system = "x86_64-linux"; buildPlatform.canExecute = _: true; }; installShellFiles = null;
		  buildGoApplication = attrs: { fromOverlay = true; inherit (attrs) pname; };
		  callPackage = fn: args: let f = import fn; in f (builtins.intersectAttrs (builtins.functionArgs f) final // args); };
		in (o final final).kubenix`), `{"fromOverlay":true,"pname":"kubenix"}`)
	check("checks.x86_64-linux", eval("checks.x86_64-linux", `c: builtins.mapAttrs (n: v: v.name or v.attrs.pname) c`),
		`{"hello":"app-manifests","multi-file":"app-manifests","package":"kubenix","params-prod":"app-manifests"}`)
	script := eval("checks.x86_64-linux.hello", `d: d.script`).(string)
	if !strings.Contains(script, "/stub/kubenix-dirty/bin/kubenix build --from-json 'app.nix.json' --out-dir \"$out\" '--namespace' 'default' '--images' 'build'") {
		t.Errorf("lib.manifests script:\n%s", script)
	}
	tree := eval("checks.x86_64-linux.params-prod", `d: builtins.fromJSON d.env.tree`).(map[string]any)
	if d, _ := tree["deployment"].(map[string]any); d == nil || fmt.Sprint(d["spec"].(map[string]any)["replicas"]) != "5" {
		t.Errorf("lib.manifests tree of params-prod: %v", tree)
	}
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}

// kubenix.lib.manifests hands the tree to `kubenix build --from-json` with
// its floats written exactly (Nix 2.8's toJSON keeps 6 digits).
func TestLibManifestsCarriesFloatsExactly(t *testing.T) {
	requireNix(t)
	root, _ := filepath.Abs(repoRoot(t))
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "app.nix"), `{ kubenix }: { hpa = {
  apiVersion = "autoscaling/v2"; kind = "HorizontalPodAutoscaler"; metadata.name = "h";
  spec = { scaleTargetRef = { apiVersion = "apps/v1"; kind = "Deployment"; name = "d"; }; maxReplicas = 3;
    metrics = [ { type = "Pods"; pods = { metric.name = "m"; target = { type = "AverageValue"; averageValue = 0.123456789; }; }; } ]; };
}; }`)
	expr := fmt.Sprintf(`((import %s/nix/lib.nix { }).manifests { pkgs = { runCommand = name: env: script: { inherit name env script; }; }; kubenix = "/k"; app = %s/app.nix; }).env.tree`, root, dir)
	out, err := exec.Command("nix-instantiate", "--eval", "--strict", "--json", "-E", expr).Output()
	if err != nil {
		t.Fatal(err)
	}
	var tree string
	if err := json.Unmarshal(out, &tree); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "tree.json"), tree)
	kubenix(t, dir, "build", "--from-json", "tree.json", "--out-dir", "out").mustSucceed(t)
	files := readTree(t, filepath.Join(dir, "out"))
	for name, content := range files {
		if strings.Contains(name, "horizontalpodautoscaler") && !strings.Contains(content, "averageValue: 0.123456789") {
			t.Errorf("%s:\n%s", name, content)
		}
	}
	if len(files) == 0 {
		t.Error("nothing written")
	}
}
