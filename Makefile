# rtspgate — top-level convenience targets. The build itself is CMake.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc)
FUZZ_SECONDS ?= 30
ARGS       ?=

.PHONY: all build run test test-fast test-asan fuzz bench deps-run deps-test format clean

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

# Every test, twice: a normal build, then ASan+UBSan. Then the fuzzers.
test: deps-test
	$(MAKE) test-fast
	$(MAKE) test-asan
	$(MAKE) fuzz
	@echo "make test: all stages passed"

test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

test-asan:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DRTSPGATE_SANITIZE=ON >/dev/null
	cmake --build $(ASAN_BUILD) -j$(JOBS)
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
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
