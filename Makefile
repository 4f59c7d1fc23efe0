# simdb: the two set-up commands of the README, and a few conveniences.
#   make demo   installs the apt packages if missing, builds (release), enrols and queries
#   make test   installs the apt packages if missing, builds and runs every test
SWIFT ?= swift

.PHONY: deps build release demo test clean

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

clean:
	rm -rf .build demo
