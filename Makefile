# Convenience wrapper around meson/ninja. `make` builds into build/.
BUILD ?= build
ARCH ?= riscv64
PYTHON ?= /usr/bin/python3

.PHONY: all deps check check-unit check-functional run install clean guest

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

deps:
	@scripts/install-deps.sh

$(BUILD)/build.ninja:
	@scripts/install-deps.sh
	./configure --builddir=$(BUILD)

check: deps all
	@scripts/run-tests.sh $(BUILD)

run: deps all
	@scripts/run-demo.sh $(BUILD) $(ARCH)

install: all
	meson install -C $(BUILD)

clean:
	rm -rf $(BUILD)
