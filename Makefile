# rtspgate — top-level convenience targets. The build itself is CMake.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc)
FUZZ_SECONDS ?= 20
ARGS       ?=

.PHONY: all build build-asan run test test-fast test-asan fuzz bench deps-run deps-test format clean

all: build

deps-run:
	@scripts/deps.sh run

deps-test:
	@scripts/deps.sh test

build: deps-run
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

run: build
	./$(BUILD)/rtspgate serve $(ARGS)

# Every test, twice: the normal build's and the ASan+UBSan build's (names
# prefixed asan/), in one CTest schedule so that one build's real-time tests
# overlap the other's (most of a test's time is a live stream playing, not
# CPU); the heaviest run alone. Then the fuzzers.
TEST_JOBS ?= 5
ALL_TESTS  = build-all-tests

test: deps-test build build-asan
	@mkdir -p $(ALL_TESTS)
	@printf 'subdirs("%s" "%s")\n' "$(abspath $(BUILD))" "$(abspath $(ASAN_BUILD))" > $(ALL_TESTS)/CTestTestfile.cmake
	cd $(ALL_TESTS) && ctest --output-on-failure -j$(TEST_JOBS)
	$(MAKE) fuzz
	@echo "make test: all stages passed"

# One flavour only (while developing).
test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

build-asan:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DRTSPGATE_SANITIZE=ON >/dev/null
	cmake --build $(ASAN_BUILD) -j$(JOBS)

test-asan: build-asan
	cd $(ASAN_BUILD) && ctest --output-on-failure -j$(JOBS)

fuzz:
	@if command -v clang >/dev/null; then \
	  CC=clang cmake -S . -B $(FUZZ_BUILD) -DRTSPGATE_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null && \
	  cmake --build $(FUZZ_BUILD) -j$(JOBS) && \
	  scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS); \
	else echo "fuzz: clang not installed, skipped"; fi

bench: build
	bench/run.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(ALL_TESTS)
