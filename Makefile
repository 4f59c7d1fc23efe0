# simdb: the two set-up commands of the README, and a few conveniences.
#   make demo   installs the apt packages if missing, builds (release), enrols and queries
#   make test   installs the apt packages if missing, builds and runs every test
#   make sanitize  the concurrency tests under the thread sanitizer, the codec and bad-input
#                  tests under the address sanitizer (own build folders; CI runs it after test)
#   make fuzz   builds simdb-fuzz-images with libFuzzer + ASan in .build-fuzz, seeds
#               .build-fuzz/corpus and fuzzes the image decoders for FUZZ_SECONDS (default 600);
#               crash files land in .build-fuzz/artifacts
SWIFT ?= swift

.PHONY: deps build release demo test sanitize fuzz clean

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

demo: release
	@scripts/demo.sh

test: deps
	$(SWIFT) test

TSAN_TESTS = ConcurrencyTests|VectorStoreConcurrencyTests|concurrentQueries|BackupTests|parallelExactScan|CodeBoundedScan
ASAN_TESTS = SimDBImageIOTests|SimDBCLITests.BadInputTests|DamagedStoreTests|ModelFileTests

sanitize: deps
	$(SWIFT) build --build-tests --sanitize=thread --scratch-path .build-tsan
	$(SWIFT) test --skip-build --sanitize=thread --scratch-path .build-tsan --filter '$(TSAN_TESTS)'
	$(SWIFT) build --build-tests --sanitize=address --scratch-path .build-asan
	# Leak reports are off: the ones seen come from Foundation's own String(contentsOf:) in the test harness.
	ASAN_OPTIONS=detect_leaks=0 $(SWIFT) test --skip-build --sanitize=address --scratch-path .build-asan --filter '$(ASAN_TESTS)'

FUZZ_SECONDS ?= 600
FUZZ_BUILD = $(SWIFT) build -c release --product simdb-fuzz-images --scratch-path .build-fuzz \
	-Xswiftc -sanitize=fuzzer,address -Xswiftc -DSIMDB_LIBFUZZER

# SWIFT_BACKTRACE=enable=no: with Swift's backtracer on, a crash hangs instead of being reported.
fuzz: deps
	$(FUZZ_BUILD)
	mkdir -p .build-fuzz/corpus .build-fuzz/artifacts
	SIMDB_FUZZ_SEEDS=.build-fuzz/corpus "$$($(FUZZ_BUILD) --show-bin-path)/simdb-fuzz-images"
	SWIFT_BACKTRACE=enable=no "$$($(FUZZ_BUILD) --show-bin-path)/simdb-fuzz-images" .build-fuzz/corpus \
		-max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
		-artifact_prefix=.build-fuzz/artifacts/

clean:
	rm -rf .build .build-tsan .build-asan .build-fuzz demo
