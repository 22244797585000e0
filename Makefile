# kubenix — see README.md.
#   make demo    install what is missing, build bin/kubenix, build the hello example
#   make test    install what is missing, run the whole test suite (CI runs this)
#   make e2e     only the end-to-end tests against a real kube-apiserver
#   make difftest  kubenix check against kube-apiserver on every mutant of every kind,
#                  on Kubernetes 1.37 and 1.36 (make difftest-1.36: one version)
#   make helm-fidelity  kubenix's Helm renders against helm template on 400 generated charts
SHELL := bash
export GOTOOLCHAIN := local
export PATH := $(PATH):/usr/local/go/bin

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS := -s -w -X github.com/kubenix/kubenix/version.Version=$(VERSION) -X github.com/kubenix/kubenix/version.Commit=$(COMMIT)

.PHONY: setup build demo test e2e difftest difftest-run helm-fidelity lint golden gomod2nix bench fuzz clean

setup:
	@./scripts/setup.sh
	@$(MAKE) --no-print-directory build

build:
	go build -trimpath -ldflags '$(LDFLAGS)' -o bin/kubenix ./cmd/kubenix

demo: setup
	@echo '$$ bin/kubenix build examples/hello/app.nix'
	@bin/kubenix build examples/hello/app.nix
	@echo '$$ ls -l result/'
	@ls -l result/
	@echo '$$ cat result/*.yaml'
	@for f in result/*.yaml; do echo "# $$f"; cat "$$f"; done

# The end-to-end tests need etcd, kube-apiserver and kubectl: e2e-bin.sh
# builds them once (5-10 minutes) and prints where they are cached. The Helm
# fidelity tests compare with the helm CLI helm-bin.sh builds (tools/helm);
# the SOPS tests encrypt with the sops library through the tool sops-tool.sh
# builds (tools/sops). Each is built once, before the tests, and cached.
# The second Kubernetes version (1.36) is never built here (a second cold
# build of 5-10 minutes, beyond CI's budget): where make difftest has built
# it already, its bounded differential test runs too (about a minute).
test: setup lint
	bin=$$(scripts/e2e-bin.sh) && helm=$$(scripts/helm-bin.sh) && scripts/sops-tool.sh >/dev/null && \
	  KUBENIX_E2E_BIN=$$bin KUBENIX_HELM_BIN=$$helm go test -count=1 -timeout 30m ./...
	if bin=$$(KUBENIX_E2E_CACHED_ONLY=1 scripts/e2e-bin.sh 1.36); then \
	  KUBENIX_E2E_BIN=$$bin go test -count=1 -run '$(DIFFTEST_TESTS)' ./e2e; fi

e2e: setup
	bin=$$(scripts/e2e-bin.sh) && KUBENIX_E2E_BIN=$$bin go test -count=1 -v ./e2e

# The differential test at full size: every mutant of the valid objects of
# every kind the server serves, to kubenix check and to kube-apiserver (make
# test sends 2,000; KUBENIX_DIFFTEST_REPORT=file writes the figure there), with
# the corpus and the documented version differences, once per Kubernetes
# version in DIFFTEST_VERSIONS; kubenix checks with the --kube-version of the
# server it is compared with. The 1.36 control plane (e2e/k8s-1.36) is a
# second cold build of 5-10 minutes, so make test never builds it: only
# make difftest and make difftest-1.36 do.
DIFFTEST_VERSIONS ?= 1.37 1.36
DIFFTEST_TESTS := TestDifferentialAgainstServer|TestVersionDifferencesAgainstServer
difftest: setup
	@rc=0; for v in $(DIFFTEST_VERSIONS); do \
	  $(MAKE) --no-print-directory difftest-run V=$$v || rc=1; \
	done; exit $$rc

difftest-%: setup
	@$(MAKE) --no-print-directory difftest-run V=$*

difftest-run:
	@echo "== make difftest: kubenix check --kube-version $(V) against kube-apiserver $(V)"
	bin=$$(scripts/e2e-bin.sh $(V)) && KUBENIX_E2E_BIN=$$bin KUBENIX_DIFFTEST_MUTANTS=0 \
	  go test -count=1 -v -timeout 30m -run '$(DIFFTEST_TESTS)|TestCorpusAgainstServer' ./e2e

# The Helm fidelity suite at full size: 400 generated charts, each rendered
# by kubenix and by helm template and compared, and 100 of them through one
# kubenix build (make test: 60 and 16). HELM_FIDELITY_SEED=S starts at seed S.
HELM_FIDELITY_CHARTS ?= 400
HELM_FIDELITY_SEED ?= 1
helm-fidelity: setup
	helm=$$(scripts/helm-bin.sh) && KUBENIX_HELM_BIN=$$helm KUBENIX_HELM_FIDELITY_CHARTS=$(HELM_FIDELITY_CHARTS) \
	  KUBENIX_HELM_FIDELITY_SEED=$(HELM_FIDELITY_SEED) \
	  go test -count=1 -timeout 30m -run 'TestFidelityGeneratedCharts|TestHelmFidelityThroughBuild' ./helmwrap ./cmd/kubenix

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...
	sc=$$(scripts/staticcheck.sh) && $$sc ./...

# Rewrite golden/ from the current output of every example.
golden: setup
	go test -count=1 ./cmd/kubenix -run TestGolden -update

# Rewrite gomod2nix.toml (the flake's Go module hashes) from go.mod and go.sum.
# A test fails while it is stale.
gomod2nix:
	go run ./internal/gomod2nix/gen -dir . -o gomod2nix.toml

bench: setup
	helm=$$(scripts/helm-bin.sh) && KUBENIX_HELM_BIN=$$helm go run ./bench -kubenix bin/kubenix

# Run the fuzzers for a while (FUZZTIME=1m each).
FUZZTIME ?= 1m
fuzz:
	go test ./manifest -run XXX -fuzz FuzzEncodeYAMLString -fuzztime $(FUZZTIME)
	go test ./manifest -run XXX -fuzz FuzzEncodeYAMLTree -fuzztime $(FUZZTIME)
	go test ./manifest -run XXX -fuzz FuzzDecodeJSON -fuzztime $(FUZZTIME)
	go test ./manifest -run XXX -fuzz FuzzKubectlValue -fuzztime $(FUZZTIME)
	go test ./manifest -run XXX -fuzz '^FuzzRead$$' -fuzztime $(FUZZTIME)
	go test ./manifest -run XXX -fuzz FuzzReadPlain -fuzztime $(FUZZTIME)
	go test ./manifest -run XXX -fuzz FuzzBlockYAML -fuzztime $(FUZZTIME)
	go test ./objdiff -run XXX -fuzz FuzzLineDiff -fuzztime $(FUZZTIME)
	go test ./nixcall -run XXX -fuzz FuzzParseTrace -fuzztime $(FUZZTIME)
	go test ./image -run XXX -fuzz FuzzParseList -fuzztime $(FUZZTIME)
	go test ./image -run XXX -fuzz FuzzRegistryPath -fuzztime $(FUZZTIME)
	go test ./helmwrap -run XXX -fuzz FuzzLoadChartArchive -fuzztime $(FUZZTIME)
	go test ./lock -run XXX -fuzz FuzzParse -fuzztime $(FUZZTIME)

clean:
	rm -rf bin result
