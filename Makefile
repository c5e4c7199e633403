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
# IMAGE is the container image deploy/Dockerfile builds (make image) and the
# Helm chart's default image.repository; its tag is VERSION.
IMAGE     ?= ghcr.io/prescale/prescale
DOCKER    ?= docker
TESTFLAGS ?=

.PHONY: all
all: lint build test

# build compiles the binaries with version ldflags; scripts/build.sh says
# when the first build (a cold cache: several minutes) starts and reports
# its progress.
.PHONY: build
build:
	@echo ">> building $(BINARIES) into $(PREFIX)"
	@GO="$(GO)" ./scripts/build.sh "$(PREFIX)" "$(LDFLAGS)" $(BINARIES)

# image builds deploy/Dockerfile as $(IMAGE):$(VERSION), the image the Helm
# chart (deploy/helm/prescale) and deploy/kubernetes run by default.
.PHONY: image
image:
	@echo ">> building the container image $(IMAGE):$(VERSION)"
	$(DOCKER) build -f deploy/Dockerfile -t $(IMAGE):$(VERSION) \
		--build-arg VERSION=$(VERSION) --build-arg REVISION=$(REVISION) --build-arg BRANCH=$(BRANCH) \
		--build-arg BUILDUSER=$(BUILDUSER) --build-arg BUILDDATE=$(BUILDDATE) .

.PHONY: test-deps
test-deps:
	@echo ">> checking the real servers the end-to-end tests need"
	@./scripts/ensure-test-deps.sh
	@./scripts/ensure-victoriametrics.sh

.PHONY: test
test: test-deps lint build
	@echo ">> running all tests (unit + end-to-end) with -race"
	$(GO) test -race -count=1 -timeout 40m $(TESTFLAGS) ./...
	@$(MAKE) --no-print-directory test-scripts
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(TEST_FUZZTIME)

# The scripts' own tests (the bars autoscale_eval.py counts, soak_report.py's restart lines and fault rows,
# soak_receiver.py's loopback-only --listen, fuzz.sh's runs).
.PHONY: test-scripts
test-scripts:
	PYTHONDONTWRITEBYTECODE=1 python3 -m unittest discover -s scripts -p '*_test.py'

# soak runs prescale-controller for SOAK_MINUTES against Debian's prometheus
# and prometheus-alertmanager (installed first as make test installs them:
# scripts/ensure-test-deps.sh --servers, without Helm),
# prescale-exporter and a webhook receiver, all on loopback, injecting the
# faults of docs/reliability.md ("Soak") one at a time, and prints a
# markdown summary (also written to SOAK_OUT when set; SOAK_KEEP=1 keeps
# its temporary directory). Not part of make test.
SOAK_MINUTES ?= 37
SOAK_OUT     ?=
SOAK_KEEP    ?=

.PHONY: soak
soak: build
	@./scripts/ensure-test-deps.sh --servers
	@echo ">> soak of $(SOAK_MINUTES) minutes on loopback (docs/reliability.md, Soak)"
	SOAK_MINUTES=$(SOAK_MINUTES) SOAK_OUT=$(SOAK_OUT) ./scripts/soak.sh $(if $(SOAK_KEEP),-k) "$(PREFIX)"

.PHONY: test-short
test-short:
	@echo ">> running short tests (no end-to-end)"
	$(GO) test -short -count=1 $(TESTFLAGS) ./...

.PHONY: test-e2e
test-e2e: test-deps build
	@echo ">> running end-to-end tests"
	$(GO) test -race -count=1 -run 'E2E' $(TESTFLAGS) ./...

# fuzz runs each native fuzz test for FUZZTIME, one at a time (make test
# runs their seed corpora in testdata/fuzz as ordinary tests, then each
# for TEST_FUZZTIME).
FUZZTIME     ?= 10s
# make test fuzzes each target briefly too, by a count of inputs: a short
# -fuzztime in seconds can end before the seed corpus's baseline is
# gathered and fail with "context deadline exceeded", and Go 1.26 can fail
# any run bounded by a duration at its deadline so (go.dev/issue/75804),
# never one bounded by a count. 2,000 inputs each took about 30 s in all
# on 2 cores (seed corpora alone, after the instrumented build).
TEST_FUZZTIME ?= 2000x
# Each input that adds coverage is minimized first, for up to 60 s by
# default, without fuzzing meanwhile: a 45 s round of FuzzLoad ran 745
# inputs (44,085 with 3 s), so a short FUZZTIME fuzzed little.
FUZZMINIMIZETIME ?= 3s
FUZZ_TARGETS := internal/trace:FuzzRead internal/cgroup:FuzzRead internal/memlimit:FuzzDefault controller/state:FuzzLoad controller/state:FuzzResize controller/state:FuzzMemoryKey controller/state:FuzzShadowJSON controller/state:FuzzShadowRuns controller/state:FuzzHistory controller/config:FuzzParseTargets \
                controller/api:FuzzRequestBodies controller/history:FuzzRemoteDecode controller/history/internal/queryhttp:FuzzPartialBody controller/history/scrape:FuzzParseExposition \
                exporter:FuzzProcFiles exporter/internal/sockdiag:FuzzSockDiag controller/actuator/internal/procgroup:FuzzProcStat \
                cmd/prescale-controller:FuzzEnv cmd/prescale/internal/backtestcmd:FuzzBacktestFlags controller/api:FuzzQueryParams controller/actuator:FuzzWebhookAnswer \
                exporter:FuzzConfigEnv internal/redact:FuzzURL controller/history/internal/queryhttp:FuzzParseHeaders internal/tlsfiles:FuzzParseCerts \
                exporter/internal/scrapebudget:FuzzTimeout controller/actuator/internal/hide:FuzzHideSecrets controller/api:FuzzAuthorization controller/shard:FuzzShard internal/envcheck:FuzzWarn internal/clihelp:FuzzParseFlags internal/clihelp:FuzzParseDuration internal/apitoken:FuzzTokenFile internal/datadir:FuzzReadPID

# scripts/fuzz.sh runs them one at a time and stops at the first that
# fails; a duration-bounded run Go's coordinator fails at its deadline
# having found nothing (go.dev/issue/75804, Go 1.26) counts as passed.
.PHONY: fuzz
fuzz:
	@GO="$(GO)" ./scripts/fuzz.sh $(FUZZTIME) $(FUZZMINIMIZETIME) $(FUZZ_TARGETS)

.PHONY: bench
bench:
	@echo ">> running Go benchmarks"
	$(GO) test -run '^$$' -bench . -benchmem ./...

.PHONY: lint
lint: vet style unused golangci

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
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum not tidy: run go mod tidy"; exit 1; }

.PHONY: run
run:
	@echo ">> building $(PREFIX)/prescale"
	@GO="$(GO)" ./scripts/build.sh "$(PREFIX)" "$(LDFLAGS)" prescale
	@echo ">> starting prescale run (exporter + embedded store + controller + simulated pool)"
	$(PREFIX)/prescale run

.PHONY: clean
clean:
	@echo ">> removing build outputs"
	rm -rf $(PREFIX)

.PHONY: checkmetrics
checkmetrics:
	@echo ">> checking the exporter's exposition with promtool check metrics"
	@./scripts/checkmetrics.sh

.PHONY: checkconfig
checkconfig:
	@echo ">> checking prometheus.yml, rule files and alertmanager.yml with promtool/amtool"
	@./scripts/checkconfig.sh

.PHONY: check-data
check-data:
	@test -d "$(DATA)/traces" || { echo "error: benchmark data not found at DATA=$(DATA) (expected $(DATA)/traces and $(DATA)/nab; not in this repository: docs/development.md); pass DATA=path/to/shared/data"; exit 1; }
	@test -f "$(BENCH)/forecast_score.py" || { echo "error: referee scripts not found at BENCH=$(BENCH) (not in this repository: docs/development.md); pass BENCH=path/to/shared/bench"; exit 1; }

# bench-accuracy runs the offline CLI over the real traces and NAB, scores the
# outputs with the independent referees and writes docs/accuracy.md.
.PHONY: bench-accuracy
bench-accuracy: check-data build
	@echo ">> measuring accuracy on $(DATA) with the referees in $(BENCH) (writes docs/accuracy.md)"
	@mkdir -p out
	@{ echo "# Accuracy"; echo; \
	   echo "Generated by \`make bench-accuracy\` on $$(date -u +%Y-%m-%d), $$(nproc) cores, $$(go version | cut -d' ' -f3). Referees: \`$(BENCH)\`; data: \`$(DATA)\`. Every table says whether its data was used to choose defaults (in-sample) or never looked at while tuning (held out)."; echo; \
	   ./scripts/accuracy-data.sh; echo; \
	   ./scripts/accuracy-forecast.sh "$(DATA)" "$(BENCH)" "$(PREFIX)/prescale" out/forecast; echo; \
	   ./scripts/accuracy-nab.sh "$(DATA)" "$(BENCH)" "$(PREFIX)/prescale" out/nab; echo; \
	   ./scripts/accuracy-autoscale.sh "$(DATA)" "$(BENCH)" "$(PREFIX)/prescale" out/autoscale; echo; \
	   ./scripts/accuracy-heldout.sh "$(DATA)" "$(BENCH)" "$(PREFIX)/prescale" out/heldout; echo; \
	   echo "## Tuning set of the decision policy and the forecaster (in-sample)"; echo; \
	   echo "16 NAB series, neither among the traces nor held out, on which the decision defaults and later forecasting changes were chosen together with the traces (\`scripts/accuracy-tuneset.sh\`, \`scripts/accuracy-tuneset-forecast.sh\`, docs/tuning.md): in-sample."; echo; \
	   ./scripts/accuracy-tuneset.sh "$(DATA)" "$(BENCH)" "$(PREFIX)/prescale" out/tuneset --jobs "$${AUTOSCALE_JOBS:-1}" | sed 's/^## /### /'; echo; \
	   ./scripts/accuracy-tuneset-forecast.sh "$(DATA)" "$(BENCH)" "$(PREFIX)/prescale" out/tuneset-forecast | sed 's/^## /### /'; echo; \
	   echo "## Validation set of the decision policy (in-sample gate)"; echo; \
	   echo "Seven NAB series committed before any of their scores was computed (\`scripts/accuracy-validation.sh\`): a decision change chosen on the traces and the tuning set runs here once before it lands and does not land if it makes this set worse. Data that gated a change has chosen something: in-sample."; echo; \
	   ./scripts/accuracy-validation.sh "$(DATA)" "$(BENCH)" "$(PREFIX)/prescale" out/validation --jobs "$${AUTOSCALE_JOBS:-1}" | sed 's/^## /### /'; echo; \
	   echo "## Flash crowds (in-sample)"; echo; \
	   echo "Five series cut to end a few days after one of their biggest surges, so that the scored part (from 70 %) holds the surge's onset, the sustained crowd and its decay: the STS-70 launch in nasa_http_jul95_1m (13 July 1995), nab_twitter_aapl_5m's second-biggest surge, two of Twitter_volume_GOOG's and one of Twitter_volume_KO's (\`scripts/accuracy-flash.sh\`, docs/tuning.md, \"Flash crowds\"). Cut from the traces and the tuning set: in-sample."; echo; \
	   ./scripts/accuracy-flash.sh "$(DATA)" "$(BENCH)" "$(PREFIX)/prescale" out/flash --jobs "$${AUTOSCALE_JOBS:-1}" | sed 's/^## /### /'; \
	 } > docs/accuracy.md.tmp && mv docs/accuracy.md.tmp docs/accuracy.md
	@echo ">> wrote docs/accuracy.md"

# bench-tuneset scores the decision policy and the forecasts on the tuning
# set: NAB series neither among the traces nor held out
# (scripts/accuracy-tuneset.sh, scripts/accuracy-tuneset-forecast.sh,
# docs/tuning.md). It prints the tables and writes no doc.
.PHONY: bench-tuneset
bench-tuneset: check-data build
	@./scripts/accuracy-tuneset.sh "$(DATA)" "$(BENCH)" "$(PREFIX)/prescale" out/tuneset --jobs "$${AUTOSCALE_JOBS:-1}"
	@echo
	@./scripts/accuracy-tuneset-forecast.sh "$(DATA)" "$(BENCH)" "$(PREFIX)/prescale" out/tuneset-forecast

# bench-validation scores the decision policy on the validation set, the
# gate a decision change passes once before it lands
# (scripts/accuracy-validation.sh, docs/tuning.md): in-sample.
.PHONY: bench-validation
bench-validation: check-data build
	@./scripts/accuracy-validation.sh "$(DATA)" "$(BENCH)" "$(PREFIX)/prescale" out/validation --jobs "$${AUTOSCALE_JOBS:-1}"

# bench-flash scores the decision policy in flash crowds: in-sample series
# cut so that one of their biggest surges is scored
# (scripts/accuracy-flash.sh, docs/tuning.md). It prints the tables and
# writes no doc.
.PHONY: bench-flash
bench-flash: check-data build
	@./scripts/accuracy-flash.sh "$(DATA)" "$(BENCH)" "$(PREFIX)/prescale" out/flash --jobs "$${AUTOSCALE_JOBS:-1}"

# bench-probes scores the decision policy on trace shapes the hidden set may
# have (short history, other sample steps, gaps, jittered timestamps, small
# counts, zero or constant stretches, a level shift), derived from the
# in-sample traces (scripts/probes.py, docs/tuning.md, "Robustness probes").
# 66 probe series, about 5 minutes on 2 cores; prints a table, writes no doc.
.PHONY: bench-probes
bench-probes: check-data build
	@python3 scripts/probes.py --data "$(DATA)" --bench "$(BENCH)" --prescale "$(PREFIX)/prescale" --out out/probes --jobs "$${AUTOSCALE_JOBS:-1}"

# bench-exporter compares prescale-exporter with Debian's node_exporter.
.PHONY: bench-exporter
bench-exporter: build
	@echo ">> measuring prescale-exporter vs prometheus-node-exporter (writes docs/benchmarks-exporter.md)"
	@./scripts/bench-exporter.sh "$(PREFIX)/prescale-exporter" > docs/benchmarks-exporter.md.tmp && mv docs/benchmarks-exporter.md.tmp docs/benchmarks-exporter.md

# bench-docs runs the Go benchmarks and writes docs/benchmarks.md.
.PHONY: bench-docs
bench-docs:
	@echo ">> running Go benchmarks (writes docs/benchmarks.md)"
	@./scripts/ensure-victoriametrics.sh
	@./scripts/bench-docs.sh > docs/benchmarks.md.tmp && mv docs/benchmarks.md.tmp docs/benchmarks.md

GOLANGCI_LINT_VERSION ?= v2.15.0
GOLANGCI_LINT         ?= $(shell $(GO) env GOPATH)/bin/golangci-lint

# golangci-lint runs the linters of .golangci.yml at a pinned version,
# installing it from the Go module proxy when missing.
.PHONY: golangci
golangci:
	@if ! $(GOLANGCI_LINT) version 2>/dev/null | grep -q "$(GOLANGCI_LINT_VERSION:v%=%)"; then \
		echo ">> installing golangci-lint $(GOLANGCI_LINT_VERSION)"; \
		$(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION); fi
	@echo ">> running golangci-lint $(GOLANGCI_LINT_VERSION)"
	$(GOLANGCI_LINT) run ./...
