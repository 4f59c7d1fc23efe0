# simdb: the two set-up commands of the README, and a few conveniences.
#   make demo   installs the apt packages if missing, builds (release), enrols and queries
#   make test   installs the apt packages if missing, builds and runs every test
#   make sanitize  the concurrency tests under the thread sanitizer, the codec and bad-input
#                  tests under the address sanitizer (own build folders; CI runs it after test)
SWIFT ?= swift

.PHONY: deps build release demo test sanitize clean

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
ASAN_TESTS = SimDBImageIOTests|SimDBCLITests.BadInputTests|ModelFileTests

sanitize: deps
	$(SWIFT) build --build-tests --sanitize=thread --scratch-path .build-tsan
	$(SWIFT) test --skip-build --sanitize=thread --scratch-path .build-tsan --filter '$(TSAN_TESTS)'
	$(SWIFT) build --build-tests --sanitize=address --scratch-path .build-asan
	# Leak reports are off: the ones seen come from Foundation's own String(contentsOf:) in the test harness.
	ASAN_OPTIONS=detect_leaks=0 $(SWIFT) test --skip-build --sanitize=address --scratch-path .build-asan --filter '$(ASAN_TESTS)'

clean:
	rm -rf .build .build-tsan .build-asan demo
