package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestValidateCutsQuotedValues: a refused value is quoted to 100 bytes,
// however long, whichever check quotes it (found by FuzzEnv: a 5,000-byte
// PRESCALE_MODE, TARGET_QUERY or PROMETHEUS_URL was quoted whole).
func TestValidateCutsQuotedValues(t *testing.T) {
	long := strings.Repeat("ab", 2500)
	cut := `"` + long[:100] + `..."`
	for _, c := range []struct {
		name string
		set  func(c *Config)
		want string
	}{
		{"mode", func(c *Config) { c.Mode = long }, `PRESCALE_MODE: must be "act" or "forecast-only", got ` + cut},
		{"query", func(c *Config) { c.TargetQuery = "sum(" + long }, `PRESCALE_TARGET_QUERY: invalid PromQL "sum(` + long[:96] + `..."`},
		{"kind", func(c *Config) { c.TargetKind = long }, `PRESCALE_TARGET_KIND: must be one of instances, cpu, memory, storage; got ` + cut},
		{"history source", func(c *Config) { c.PrometheusURL = long }, `PRESCALE_PROMETHEUS_URL: must be an http or https URL, got ` + cut},
	} {
		cfg := validConfig(t)
		c.set(&cfg)
		err := cfg.Validate()
		require.ErrorContains(t, err, c.want, c.name)
		require.Less(t, len(err.Error()), 600, c.name)
	}
	// Found by FuzzParseTargets: a targets file's long name, in every
	// error of its entry.
	cfg := validConfig(t)
	_, err := ParseTargets([]byte("targets:\n  - {name: "+long+", query: 'sum('}\n"), cfg.EnvTarget(), UsageWindowLag)
	require.ErrorContains(t, err, `PRESCALE_TARGETS_FILE: targets[0] (`+cut+`): query: invalid PromQL "sum(": `)
	require.Less(t, len(err.Error()), 600)
	// And an unknown key, at the top or in an entry, not quoted.
	_, err = ParseTargets([]byte(long[:1000]+": 1\n"), cfg.EnvTarget(), UsageWindowLag)
	require.EqualError(t, err, "PRESCALE_TARGETS_FILE: unknown key "+long[:100]+"... at the top: the file holds targets: [...] only")
	_, err = ParseTargets([]byte("targets:\n  - {name: web, query: up, "+long[:1000]+": 1}\n"), cfg.EnvTarget(), UsageWindowLag)
	require.ErrorContains(t, err, "PRESCALE_TARGETS_FILE: targets[0]: unknown field "+long[:100]+"... (an entry's fields: ")
	require.Less(t, len(err.Error()), 1000)
	// The YAML decoder's message naming a long tag (found in the campaign).
	_, err = ParseTargets([]byte("!"+long[:1000]+" x\n"), cfg.EnvTarget(), UsageWindowLag)
	require.ErrorContains(t, err, "cannot unmarshal !"+long[:99]+"... ")
	require.Less(t, len(err.Error()), 400)
}
