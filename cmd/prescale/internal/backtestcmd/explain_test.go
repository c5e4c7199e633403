package backtestcmd

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/backtest"
)

// explainColumnWords is what `prescale backtest -h` says for each column
// of the --explain CSV.
var explainColumnWords = map[string]string{
	"timestamp": "for every sample", "demand": "demand", "current": "units before", "desired": "after",
	"ready": "ready units", "reason": "reason", "rule": "rule", "reactive_floor": "reactive",
	"shadow_units": "shadow HPA", "trend_units": "crowd trend", "forecast_units": "forecast",
	"wanted": "wanted units", "wanted_by": "what set the wanted units", "exceedance": "exceedance", "peak_p50": "peak quantiles",
	"peak_p90": "peak quantiles", "peak_p99": "peak quantiles", "round_trips": "round trips",
	"forgone": "forgone gain", "event_price": "event pacing multiplier", "release_band": "release band", "climb_units": "climb ahead", "wide_band": "wide band", "calm_units": "calm hold",
	"anomaly": "anomaly flag", "hpa_ready": "HPA at equal cost's ready", "hpa_requested": "requested units",
}

// TestExplainHelpNamesEveryColumn: the --explain flag's help names every
// column WriteExplain writes. The release band's column came without a
// word in -h.
func TestExplainHelpNamesEveryColumn(t *testing.T) {
	var header bytes.Buffer
	require.NoError(t, backtest.WriteExplain(&header, &backtest.Result{}))
	fs, _ := newBacktestFlags()
	usage := strings.Join(strings.Fields(fs.Lookup("explain").Usage), " ")
	for col := range strings.SplitSeq(strings.TrimSpace(header.String()), ",") {
		words, ok := explainColumnWords[col]
		require.True(t, ok, "explainColumnWords has no entry for the --explain column %q", col)
		require.Contains(t, usage, words, "--explain's help does not name the column %s", col)
	}
}
