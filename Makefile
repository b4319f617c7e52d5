# The two commands in README.md: `make run` and `make test`. Both set up
# what they need first (scripts/setup.sh is idempotent).

CARGO ?= cargo
export PATH := $(HOME)/.cargo/bin:$(PATH)
export BEDROCK_TRAY_PYTHON := $(CURDIR)/.venv/bin/python
export BEDROCK_TRAY_CLAUDE := $(CURDIR)/.cache/claude-code/claude

.PHONY: setup run test build bench fuzz clean stress package

setup:
	@scripts/setup.sh

build: setup
	$(CARGO) build --workspace

run: setup
	$(CARGO) build -p bedrock-tray-app -p bedrock-tray
	scripts/run-app.sh

test: setup
	scripts/test.sh

# .deb, .rpm and AppImage in target/release/bundle/ (scripts/package.sh).
package: setup
	scripts/package.sh

bench: setup
	scripts/bench.sh

# Long fuzzing run of every target (the test command runs 10 s of each).
fuzz: setup
	FUZZ_SECONDS=$${FUZZ_SECONDS:-600} FUZZ_GROW_CORPUS=1 scripts/fuzz.sh

clean:
	$(CARGO) clean

# The full crash-safety run and six hours of a flapping endpoint (CI runs
# reduced ones inside `make test`).
stress: setup
	BEDROCK_TRAY_STRESS_ITERATIONS=5000 cargo test -p bedrock-tray --test tests crash_safety -- --nocapture
	BEDROCK_TRAY_SOAK_HOURS=6 cargo test -p bedrock-tray --test tests flapping -- --nocapture
