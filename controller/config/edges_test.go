package config

// The configuration's edges that no other test pinned (each found by a
// mutation that every test still passed).

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
)

// TestSmallestSettingsValid: a query concurrency of 0 (its default, 8)
// and a manual override duration of 1 ns are valid; a stress test
// maximum of 0 is not.
func TestSmallestSettingsValid(t *testing.T) {
	c := validConfig(t)
	c.QueryConcurrency = 0
	c.ManualDuration = time.Nanosecond
	require.NoError(t, c.Validate())
	c.StressTestMax = 0
	require.ErrorContains(t, c.Validate(), "PRESCALE_STRESS_TEST_MAX: must be > 0, got 0s")
}

// TestBlankCommandIsNone: a blank PRESCALE_EXEC_COMMAND decodes to no
// command, whatever the value held before.
func TestBlankCommandIsNone(t *testing.T) {
	c := Command{"scale", "--up"}
	require.NoError(t, c.Decode("  "))
	require.Nil(t, c)
}

// TestEveryEnvTargetFieldNamed: the target of the PRESCALE_TARGET_*
// variables failing in two fields names both variables, not the first
// alone.
func TestEveryEnvTargetFieldNamed(t *testing.T) {
	errs := envFieldErrors(errors.Join(
		&policy.FieldError{Field: "lag", Msg: "must be >= 0"},
		&policy.FieldError{Field: "max_units", Msg: "must be >= min_units"}))
	require.Len(t, errs, 2)
	for i, want := range []string{"TARGET_PROVISIONING_LAG", "TARGET_MAX_UNITS"} {
		var ce *ConfigError
		require.ErrorAs(t, errs[i], &ce, "error %d", i)
		require.Equal(t, want, ce.Var, "error %d", i)
	}
}
