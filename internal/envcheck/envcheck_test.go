package envcheck

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
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
	require.Equal(t, "e: warning: PRESCALE_APP_URLL is not a prescale setting and is ignored (-h lists them)\n"+
		"e: warning: PRESCALE_EXPORTER_LISTN is not a prescale setting and is ignored (-h lists them)\n", exp.String())
	require.Equal(t, "c: warning: PRESCALE_STPE is not a prescale setting and is ignored (-h lists them)\n", ctl.String())
	require.Equal(t, 3, strings.Count(all.String(), "warning"))
}
