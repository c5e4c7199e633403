package envcheck

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/redact"
)

type cfgA struct {
	Listen string `envconfig:"EXPORTER_LISTEN"`
	NoTag  string
}

type cfgB struct {
	Step int `envconfig:"STEP"`
}

func TestUnknown(t *testing.T) {
	env := []string{
		"PATH=/bin",
		"PRESCALE_EXPORTER_LISTEN=:9110",
		"PRESCALE_EXPORTR_LISTEN=:1", // misspelt
		"PRESCALE_STEP=5m",
		"PRESCALE_PROMETHEUS_BIN=prometheus", // read by the tests, passed in also
		"PRESCALE_NOTAG=x",
		"PRESCALE_EXPORTR_LISTEN=:2", // repeated: reported once
		"PRESCALEX_STEP=1",           // another prefix
	}
	got := Unknown(env, "PRESCALE", []string{"PRESCALE_PROMETHEUS_BIN"}, cfgA{}, &cfgB{})
	require.Equal(t, []string{"PRESCALE_EXPORTR_LISTEN", "PRESCALE_NOTAG"}, got)
	require.Empty(t, Unknown(env[:2], "PRESCALE", nil, cfgA{}))
}

func TestUnknownPanicsOnNonStruct(t *testing.T) {
	require.PanicsWithValue(t, "envcheck: config must be a struct, got int", func() { Unknown(nil, "P", nil, 3) })
}

func TestWarnScopes(t *testing.T) {
	env := []string{"PRESCALE_EXPORTER_LISTN=:1", "PRESCALE_STPE=5m", "PRESCALE_APP_URLL=x"}
	var exp, ctl, all strings.Builder
	Warn(&exp, "e", env, ExporterScope, cfgA{})
	Warn(&ctl, "c", env, ControllerScope, cfgB{})
	Warn(&all, "r", env, AllScope, cfgA{}, cfgB{})
	// A name at most two edits from a setting is named (it said only "-h
	// lists them"); one farther from all of them is not.
	require.Equal(t, "e: warning: PRESCALE_APP_URLL is not a prescale setting and is ignored (-h lists them)\n"+
		"e: warning: PRESCALE_EXPORTER_LISTN is not a prescale setting and is ignored (did you mean PRESCALE_EXPORTER_LISTEN?)\n", exp.String())
	require.Equal(t, "c: warning: PRESCALE_STPE is not a prescale setting and is ignored (did you mean PRESCALE_STEP?)\n", ctl.String())
	require.Equal(t, 3, strings.Count(all.String(), "warning"))
}

// TestWarnCutsTheName: an unknown name of 5,000 bytes is named cut to
// redact.MaxEchoed bytes (prescale-controller repeated it whole).
func TestWarnCutsTheName(t *testing.T) {
	var w strings.Builder
	Warn(&w, "c", []string{"PRESCALE_" + strings.Repeat("Z", 5000) + "=1"}, AllScope, cfgA{})
	require.Equal(t, "c: warning: PRESCALE_"+strings.Repeat("Z", redact.MaxEchoed-len("PRESCALE_"))+"... is not a prescale setting and is ignored (-h lists them)\n", w.String())
}

// TestWarnLeavesTestBinaries: the variables naming the servers the
// end-to-end tests start are no misspelt settings. README.md and
// docs/development.md name all four;
// an operator with PRESCALE_VICTORIAMETRICS_BIN exported was warned.
func TestWarnLeavesTestBinaries(t *testing.T) {
	var w strings.Builder
	Warn(&w, "r", []string{"PRESCALE_PROMETHEUS_BIN=p", "PRESCALE_ALERTMANAGER_BIN=a",
		"PRESCALE_NODE_EXPORTER_BIN=n", "PRESCALE_VICTORIAMETRICS_BIN=v"}, AllScope, cfgA{}, cfgB{})
	require.Empty(t, w.String())
}

// TestWarnLeavesBenchVariables: the variables only the in-process
// benchmarks read (fleet size, heap profile, REST load client) are no
// misspelt settings either; each was warned about at start.
func TestWarnLeavesBenchVariables(t *testing.T) {
	var w strings.Builder
	Warn(&w, "r", []string{"PRESCALE_BENCH_FLEET=100", "PRESCALE_BENCH_HEAPPROFILE=h",
		"PRESCALE_BENCH_RESTLOAD_CLIENT=nethttp"}, AllScope, cfgA{}, cfgB{})
	require.Empty(t, w.String())
}

func TestWarnUnread(t *testing.T) {
	var w strings.Builder
	WarnUnread(&w, "r", []string{"PATH=/bin", "PRESCALE_EXPORTER_LISTEN=:1", "PRESCALE_STEP=5m", "PRESCALE_EXPORTER_LOG_LEVEL=debug=x",
		"PRESCALE_EXPORTER_MAX_IN_FLIGHT="},
		[]string{"PRESCALE_EXPORTER_LISTEN", "PRESCALE_EXPORTER_LOG_LEVEL", "PRESCALE_EXPORTER_MAX_IN_FLIGHT"}, "why")
	require.Equal(t, "r: warning: PRESCALE_EXPORTER_LISTEN is set but unused: why\n"+
		"r: warning: PRESCALE_EXPORTER_LOG_LEVEL is set but unused: why\n", w.String(),
		"an empty value asks for nothing: not named")
}

func TestNearest(t *testing.T) {
	names := []string{"PRESCALE_STEP", "PRESCALE_SCALING_INTERVAL", "PRESCALE_TARGET_NAME"}
	require.Equal(t, "PRESCALE_SCALING_INTERVAL", Nearest("PRESCALE_SCALING_INTERVALL", names))
	require.Equal(t, "PRESCALE_TARGET_NAME", Nearest("PRESCALE_TARGET_NAM", names))
	require.Empty(t, Nearest("PRESCALE_TARGET", names), "five edits away: no guess")
	require.Equal(t, 0, editDistance("", ""))
	require.Equal(t, 3, editDistance("kitten", "sitting"))
}
