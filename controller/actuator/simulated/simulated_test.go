package simulated

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/actuator"
)

func TestSimulatedPool(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	reg := prometheus.NewRegistry()
	p := NewPool(func() time.Time { return now }, reg)
	require.True(t, strings.HasPrefix(p.Name(), "simulated"))
	p.Register("web", 2, 5*time.Minute, 0.6)

	require.NoError(t, p.Deliver(t.Context(), actuator.Action{Target: "web", Desired: 5}))
	r, prov, ok := p.Units("web")
	require.True(t, ok)
	require.Equal(t, [2]int{2, 3}, [2]int{r, prov}, "3 units provisioning for the 5-minute lag")

	now = now.Add(5 * time.Minute)
	r, prov, _ = p.Units("web")
	require.Equal(t, [2]int{5, 0}, [2]int{r, prov})
	// 5 units (2 ready + 3 provisioning) for 5 minutes at 0.6/h = 0.25.
	require.InDelta(t, 0.25, testutil.ToFloat64(p.cost.WithLabelValues("web")), 1e-12)

	require.NoError(t, p.Deliver(t.Context(), actuator.Action{Target: "web", Desired: 1}))
	r, _, _ = p.Units("web")
	require.Equal(t, 1, r, "scale-down is immediate")
	require.Error(t, p.Deliver(t.Context(), actuator.Action{Target: "db", Desired: 1}))
	st := p.Status()
	require.True(t, st[0].Simulated)
	problems, err := testutil.GatherAndLint(reg)
	require.NoError(t, err)
	require.Empty(t, problems)
}
