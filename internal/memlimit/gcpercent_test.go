package memlimit

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDefaultGCPercent(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want int
	}{
		{"GOGC unset", nil, GCPercent},
		{"GOGC unset, GOMEMLIMIT set", map[string]string{"GOMEMLIMIT": "900MiB"}, GCPercent},
		{"GOGC set", map[string]string{"GOGC": "100"}, 0},
		{"GOGC set lower", map[string]string{"GOGC": "50"}, 0},
		{"GOGC off", map[string]string{"GOGC": "off"}, 0},
		{"GOGC the runtime does not read", map[string]string{"GOGC": "lots"}, 0},
	} {
		got := DefaultGCPercent(func(k string) string { return tc.env[k] })
		require.Equal(t, tc.want, got, tc.name)
	}
	require.Less(t, GCPercent, 100, "below the runtime's own default")
	require.Positive(t, GCPercent)
}
