# tap's front door. Build caches live outside the clone so every checkout (and CI) reuses them.
TAP_CACHE ?= $(HOME)/.cache/tap
export CARGO_TARGET_DIR ?= $(TAP_CACHE)/target
export TAP_CACHE

.PHONY: build release test lint fmt moto check-protos clean

build:
	cargo build

release:
	cargo build --release

## test: everything: unit tests, then the integration suite against moto (installed when missing).
test:
	bash scripts/ensure-moto.sh >/dev/null
	cargo test --all-targets

lint:
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings

fmt:
	cargo fmt

## moto: install the pinned moto server into $(TAP_CACHE)
moto:
	bash scripts/ensure-moto.sh

check-protos:
	../shared/tools/check-protos proto --allow-missing-rpcs

clean:
	cargo clean
