# ofreconf: runtime device-tree reconfiguration, a kernel patch kit.
# Kbuild syntax lives in Kbuild; this file only holds the kit's targets.
#
#   make run  [BASE=v5.10|v6.12] [KDIR=tree]  the main job: build, kunit and vm tiers
#   make test [BASE=...]                      what CI runs: check, kunit, vm and prove
#   make fetch|apply|build|kunit|vm|prove|check  BASE=...
#   make soak [BASE=...]                      the vm tier at its long cycle counts
#   make module KDIR=/path/to/built/kernel
#   make series BASE=...                      regenerate patches/BASE from branches
#   make clean-cache                          remove sources, builds, kept kernels, ccache

SHELL := /bin/bash
BASES := $(shell . scripts/lib.sh && echo "$$BASES")
BASE ?=
S := scripts

ifneq ($(KERNELRELEASE),)
include $(src)/Kbuild
else

.PHONY: run test fetch apply build kunit vm soak prove check module series clean-cache help

help:
	@sed -n 's/^#   //p' Makefile

run:
	$(S)/run.sh $(BASE)

test:
	$(S)/run.sh --tiers "check kunit vm prove" $(BASE)

fetch apply build:
	@for b in $(or $(BASE),$(BASES)); do $(S)/$@.sh $$b || exit 1; done

# Each base's tier runs, judged; the target fails if any base failed.
kunit vm prove:
	@rc=0; for b in $(or $(BASE),$(BASES)); do $(S)/$@.sh $$b || rc=1; done; exit $$rc

# The vm tier with 100 PCI rescans, 20 PHB and 20 DIMM cycles and 100
# devlink cycles per boot, on a built tree (make build first).
soak:
	@rc=0; for b in $(or $(BASE),$(BASES)); do OFRECONF_SOAK=1 $(S)/vm.sh $$b || rc=1; done; exit $$rc

check:
	$(S)/check.sh $(BASE)

module:
	$(S)/module.sh $(BASE)

clean-cache:
	$(S)/clean-cache.sh

series:
	@for b in $(or $(BASE),$(BASES)); do $(S)/series.sh $$b || exit 1; done

endif
