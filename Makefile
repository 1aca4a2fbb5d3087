# tap's front door. Build caches live outside the clone (cargo target dir under $(TAP_CACHE), Go's
# module and build caches in their defaults under $HOME) so every checkout, and CI, reuses them.
TAP_CACHE ?= $(HOME)/.cache/tap
export CARGO_TARGET_DIR ?= $(TAP_CACHE)/target
export TAP_CACHE

PULUMI_VERSION := v3.274.1
PULUMI_YAML_VERSION := v1.25.0
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
BIN := $(CURDIR)/bin

.PHONY: build release test lint fmt moto check-protos clean pulumi hosts examples schema sdk sdk-check dist demo demo-build demo-tools demo-destroy bench size-profiles demo-timing

build:
	cargo build

release:
	cargo build --release

## test: unit tests, the integration suite against moto (stand-in engine and the real Pulumi CLI),
## and the generated SDKs built with tsc and imported in Python. The integration tests mostly wait on
## moto and the CLI, so four run at once (RUST_TEST_THREADS overrides).
test: pulumi
	bash scripts/ensure-moto.sh >/dev/null
	RUST_TEST_THREADS=$${RUST_TEST_THREADS:-4} cargo test --all-targets
	bash scripts/check-sdks.sh

lint:
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings

fmt:
	cargo fmt

## moto: install the pinned moto server into $(TAP_CACHE)
moto:
	@bash scripts/ensure-moto.sh >/dev/null

check-protos:
	../shared/tools/check-protos proto --allow-missing-rpcs

## pulumi: the pinned Pulumi CLI, its YAML host and converter and the other language hosts, built from Go modules once per
## machine (kept in $(TAP_CACHE)/go-bin) and linked into bin/
pulumi: $(BIN)/pulumi $(BIN)/pulumi-language-yaml $(BIN)/pulumi-converter-yaml hosts

$(BIN)/pulumi: tools/pulumi/go.mod tools/pulumi/go.sum
	bash scripts/go-tool.sh tools/pulumi $@ github.com/pulumi/pulumi/pkg/v3/cmd/pulumi "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$(PULUMI_VERSION)"

$(BIN)/pulumi-language-yaml: tools/pulumi-language-yaml/go.mod tools/pulumi-language-yaml/go.sum
	bash scripts/go-tool.sh tools/pulumi-language-yaml $@ github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml "-X github.com/pulumi/pulumi-yaml/pkg/version.Version=$(PULUMI_YAML_VERSION)"

$(BIN)/pulumi-converter-yaml: tools/pulumi-language-yaml/go.mod tools/pulumi-language-yaml/go.sum
	bash scripts/go-tool.sh tools/pulumi-language-yaml $@ github.com/pulumi/pulumi-yaml/cmd/pulumi-converter-yaml "-X github.com/pulumi/pulumi-yaml/pkg/version.Version=$(PULUMI_YAML_VERSION)"

## hosts: the Node.js, Python, Go and .NET language hosts (the 3.260 line, their own module: they do
## not build against the CLI's SDK), and the Python host's exec script beside them
HOSTS_MOD := tools/pulumi-language-hosts
HOSTS_VERSION := v3.260.0
HOSTS_LDFLAGS := -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$(HOSTS_VERSION)
# Their modules are not on every Go proxy: where ../shared/goproxy (a mirror of exactly those)
# exists, Go falls back to it; elsewhere the public proxy serves the same versions and hashes.
GOPROXY_MIRROR := $(wildcard $(CURDIR)/../shared/goproxy)
HOSTS_ENV := $(if $(GOPROXY_MIRROR),GOPROXY="$$(go env GOPROXY | cut -d, -f1)|file://$(GOPROXY_MIRROR)")
hosts: $(BIN)/pulumi-language-nodejs $(BIN)/pulumi-language-python $(BIN)/pulumi-language-python-exec $(BIN)/pulumi-language-go $(BIN)/pulumi-language-dotnet

$(BIN)/pulumi-language-nodejs: $(HOSTS_MOD)/go.mod $(HOSTS_MOD)/go.sum
	$(HOSTS_ENV) bash scripts/go-tool.sh $(HOSTS_MOD) $@ github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 "$(HOSTS_LDFLAGS)"

$(BIN)/pulumi-language-python: $(HOSTS_MOD)/go.mod $(HOSTS_MOD)/go.sum
	$(HOSTS_ENV) bash scripts/go-tool.sh $(HOSTS_MOD) $@ github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3 "$(HOSTS_LDFLAGS)"

$(BIN)/pulumi-language-python-exec: $(HOSTS_MOD)/go.mod $(HOSTS_MOD)/go.sum
	cd $(HOSTS_MOD) && $(HOSTS_ENV) go mod download github.com/pulumi/pulumi/sdk/v3 && \
	  install -m 755 "$$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)/python/cmd/pulumi-language-python-exec" $@

$(BIN)/pulumi-language-go: $(HOSTS_MOD)/go.mod $(HOSTS_MOD)/go.sum
	$(HOSTS_ENV) bash scripts/go-tool.sh $(HOSTS_MOD) $@ github.com/pulumi/pulumi/sdk/go/pulumi-language-go/v3 "$(HOSTS_LDFLAGS)"

$(BIN)/pulumi-language-dotnet: $(HOSTS_MOD)/go.mod $(HOSTS_MOD)/go.sum
	$(HOSTS_ENV) bash scripts/go-tool.sh $(HOSTS_MOD) $@ github.com/pulumi/pulumi-dotnet/pulumi-language-dotnet/v3 "$(HOSTS_LDFLAGS)"

## schema: regenerate schema.json from the declarations in the code and src/metadata.json
## (a unit test fails when the committed file differs)
schema:
	cargo run --quiet --bin pulumi-resource-tap -- --schema > schema.json.new && mv schema.json.new schema.json

## sdk: regenerate schema.json, then sdk/ from it with `pulumi package gen-sdk` (never edit sdk/ by hand)
sdk: schema $(BIN)/pulumi hosts
	bash scripts/gen-sdk.sh sdk

## sdk-check: build the TypeScript SDK with tsc and import the Python SDK in a venv
sdk-check:
	bash scripts/check-sdks.sh

## examples: examples/typescript, python, go and dotnet converted from examples/yaml by
## `pulumi convert` (a test fails when the committed ones differ)
examples: pulumi build
	bash scripts/convert-examples.sh

## dist: release tarball(s) in dist/: pulumi-resource-tap-v$(VERSION)-linux-amd64.tar.gz, its
## checksums and the schema it serves. PLUGIN_DOWNLOAD_URL is the plugin server the release names
## (its schema's pluginDownloadURL, on every child it registers); default: src/metadata.json's,
## which names none today.
PLUGIN_DOWNLOAD_URL ?= $(shell python3 -c 'import json; print(json.load(open("src/metadata.json")).get("pluginDownloadURL", ""))')
dist:
	TAP_PLUGIN_DOWNLOAD_URL='$(PLUGIN_DOWNLOAD_URL)' cargo build --release
	bash scripts/dist.sh $(CARGO_TARGET_DIR)/release/pulumi-resource-tap dist linux amd64

## bench: measure start-up, memory, size, AWS calls, deploy time, scale, faults and the real CLI
## on the release binary as it ships (stripped, as dist.sh packages it), driven by the harness as the tests build it;
## writes bench/REPORT.md and bench/results.json (never fails on a missed target).
## (TAP_BENCH_ONLY=scale make bench: only the sections whose name has that in it, printed, nothing written)
## size-profiles: the release profile's variants side by side (cold builds, long; bench/size-profiles.*)
## demo-timing: `make demo` on a fresh clone with every cache empty, then again (bench/demo-timing.*)
bench: pulumi
	bash scripts/ensure-moto.sh >/dev/null
	cargo build --release
	cp $(CARGO_TARGET_DIR)/release/pulumi-resource-tap $(CARGO_TARGET_DIR)/release/pulumi-resource-tap.stripped
	strip $(CARGO_TARGET_DIR)/release/pulumi-resource-tap.stripped
	TAP_PROVIDER_BINARY=$(CARGO_TARGET_DIR)/release/pulumi-resource-tap.stripped cargo bench --profile dev --bench tap

size-profiles:
	bash scripts/ensure-moto.sh >/dev/null
	bash scripts/size-profiles.sh

demo-timing:
	bash scripts/demo-timing.sh

## demo: deploy the three-region YAML example into a local moto with the real CLI (left running).
## Builds only what it needs (the CLI, the YAML host, tap's debug build, moto): the Rust build
## beside the Go tools (each leaves a core idle for long stretches), the Go tools one after the
## other (they share most packages: side by side, each would compile them again).
demo:
	@$(MAKE) --no-print-directory -j2 demo-build
	bash scripts/demo.sh up

demo-build: build demo-tools

demo-tools:
	@$(MAKE) --no-print-directory $(BIN)/pulumi
	@$(MAKE) --no-print-directory $(BIN)/pulumi-language-yaml moto

demo-destroy: $(BIN)/pulumi $(BIN)/pulumi-language-yaml
	bash scripts/demo.sh destroy

clean:
	cargo clean
	rm -rf bin dist
