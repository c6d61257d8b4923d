# Cortex — the two commands of the README, and a few more.
#   make run      install missing packages, build (Release), start the showcase server
#   make test     the same bootstrap, then every test (unit, integration, ASan+UBSan, fuzz)
#   make install  install library, headers, CLI, pkg-config and CMake files (PREFIX=/usr/local)
#   make bench    run the benchmarks against nginx, h2o and Node.js
#   make format   clang-format every C file

BUILD   ?= build
ASAN    ?= build-asan
PREFIX  ?= /usr/local
JOBS    ?= $(shell nproc)
PORT    ?= 8080
CMAKE_FLAGS ?=

.PHONY: all bootstrap build run test test-asan install bench format clean

all: build

bootstrap:
	@scripts/bootstrap.sh

build: bootstrap
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

run: build
	./$(BUILD)/cortex serve --port $(PORT)

# The sanitizer pass runs first so that ctest's summary of the full suite is
# the last thing printed. ctest -j: unit tests overlap; integration tests and
# fuzz.short are RUN_SERIAL (tests/CMakeLists.txt) and still run alone.
test: bootstrap test-asan
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)
	@cd $(BUILD) && ctest -j$(JOBS) --output-on-failure --timeout 900

test-asan: bootstrap
	@cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DCX_SANITIZE=ON \
	    -DCMAKE_C_COMPILER=clang $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(ASAN) -j$(JOBS)
	@cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    ctest -j$(JOBS) --output-on-failure --timeout 900 -E 'fuzz|install|bench'

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

bench: build
	@scripts/bootstrap.sh bench
	CORTEX_BIN=$(CURDIR)/$(BUILD)/cortex bench/http/run.sh
	bench/json/run.sh
	bench/h2/run.sh $(CURDIR)/$(BUILD)/cortex
	bench/fetch/run.sh
	bench/observe/run.sh
	bench/graphql/run.sh
	bench/wasm/run.sh
	bench/web3/run.sh
	CORTEX_BIN=$(CURDIR)/$(BUILD)/cortex bench/ipfs/run.sh

format:
	@find src include cli tests examples bench -name '*.[ch]' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(ASAN) build-fuzz
