# prescale Makefile: the usual Prometheus-project targets.
GO        ?= go
GOFMT     ?= gofmt
PROMTOOL  ?= promtool
DATA      ?= ../shared/data
BENCH     ?= ../shared/bench
PREFIX    ?= $(CURDIR)/bin
VERSION   ?= $(shell cat VERSION 2>/dev/null || echo 0.0.0)
REVISION  ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
BRANCH    ?= $(shell git rev-parse --abbrev-ref HEAD 2>/dev/null || echo unknown)
BUILDUSER ?= $(shell id -un 2>/dev/null)@$(shell hostname 2>/dev/null)
BUILDDATE ?= $(shell date -u +%Y%m%d-%H:%M:%S)
VPKG      := github.com/prometheus/common/version
LDFLAGS   := -s -w -X $(VPKG).Version=$(VERSION) -X $(VPKG).Revision=$(REVISION) \
             -X $(VPKG).Branch=$(BRANCH) -X $(VPKG).BuildUser=$(BUILDUSER) -X $(VPKG).BuildDate=$(BUILDDATE)
BINARIES  := prescale prescale-exporter prescale-controller
TESTFLAGS ?=

.PHONY: all
all: lint build test

.PHONY: build
build:
	@echo ">> building $(BINARIES) into $(PREFIX)"
	@mkdir -p $(PREFIX)
	@for b in $(BINARIES); do CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(PREFIX)/$$b ./cmd/$$b || exit 1; done

.PHONY: test-deps
test-deps:
	@echo ">> checking the real servers the end-to-end tests need"
	@./scripts/ensure-test-deps.sh

.PHONY: test
test: test-deps lint build
	@echo ">> running all tests (unit + end-to-end) with -race"
	$(GO) test -race -count=1 -timeout 40m $(TESTFLAGS) ./...

.PHONY: test-short
test-short:
	@echo ">> running short tests (no end-to-end)"
	$(GO) test -short -count=1 $(TESTFLAGS) ./...

.PHONY: test-e2e
test-e2e: test-deps build
	@echo ">> running end-to-end tests"
	$(GO) test -race -count=1 -run 'E2E' $(TESTFLAGS) ./...

.PHONY: bench
bench:
	@echo ">> running Go benchmarks"
	$(GO) test -run '^$$' -bench . -benchmem ./...

.PHONY: lint
lint: vet style unused

.PHONY: vet
vet:
	@echo ">> vetting code"
	$(GO) vet ./...

.PHONY: style
style:
	@echo ">> checking code style (gofmt)"
	@out=$$($(GOFMT) -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

.PHONY: unused
unused:
	@echo ">> checking go.mod and go.sum are tidy"
	@cp go.mod /tmp/prescale-go.mod.bak; cp go.sum /tmp/prescale-go.sum.bak
	@$(GO) mod tidy
	@if ! cmp -s go.mod /tmp/prescale-go.mod.bak || ! cmp -s go.sum /tmp/prescale-go.sum.bak; then \
		cp /tmp/prescale-go.mod.bak go.mod; cp /tmp/prescale-go.sum.bak go.sum; \
		echo "go.mod/go.sum not tidy: run go mod tidy"; exit 1; fi

.PHONY: run
run: build
	@echo ">> starting prescale run (exporter + embedded store + controller + simulated pool)"
	$(PREFIX)/prescale run

.PHONY: clean
clean:
	@echo ">> removing build outputs"
	rm -rf $(PREFIX)
