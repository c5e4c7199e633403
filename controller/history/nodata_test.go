package history

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNoDataHint(t *testing.T) {
	require.Equal(t, ": no series matches the query (a misspelt metric or label?)", NoDataHint(`sum(app_inflight{job="web"})`))
	require.Contains(t, NoDataHint(`sum(rate(a[5m])) + sum(rate(b[1m]))`), "or its range [1m] holds too few samples (rate(), increase() and deriv() need two: make it at least twice the scrape interval")
	require.Contains(t, NoDataHint(`max_over_time(sum(rate(a[30s]))[10m:1m])`), "[30s]")
	require.Empty(t, NoDataHint("sum("))
}
