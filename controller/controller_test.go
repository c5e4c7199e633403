package controller

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/actuator"
	"github.com/prescale/prescale/controller/engine"
	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/internal/cyclelog"
	"github.com/prescale/prescale/controller/internal/metrics"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
	"github.com/prescale/prescale/internal/testkit"
	"github.com/prescale/prescale/predictor"
)

// fakeHistory returns a constant series on the grid, or err.
type fakeHistory struct {
	mu    sync.Mutex
	value float64
	err   error
	calls int
	spike int64 // unix seconds of a grid point valued 1000; 0 for none
	until int64 // unix seconds of the newest point with a value; 0 for none
	// byQuery answers other queries than the demand's (current_query);
	// errByQuery fails them.
	byQuery    map[string]float64
	errByQuery map[string]error
	// ranges are the [start, end] of every query, in order.
	ranges [][2]time.Time
}

func (f *fakeHistory) QueryRange(_ context.Context, q string, start, end time.Time, step time.Duration) (history.Series, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.ranges = append(f.ranges, [2]time.Time{start, end})
	if f.err != nil {
		return history.Series{}, f.err
	}
	if err, ok := f.errByQuery[q]; ok && err != nil {
		return history.Series{}, err
	}
	if v, ok := f.byQuery[q]; ok {
		return history.Series{T: []int64{end.Unix()}, V: []float64{v}}, nil
	}
	var s history.Series
	for t := start; !t.After(end); t = t.Add(step) {
		s.T = append(s.T, t.Unix())
		switch {
		case f.until != 0 && t.Unix() > f.until:
			s.V = append(s.V, math.NaN())
		case t.Unix() == f.spike:
			s.V = append(s.V, 1000)
		default:
			s.V = append(s.V, f.value)
		}
	}
	if _, _, ok := s.Last(); !ok {
		return s, history.ErrNoData
	}
	return s, nil
}

func (f *fakeHistory) setQuery(q string, v float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.byQuery == nil {
		f.byQuery = map[string]float64{}
	}
	f.byQuery[q] = v
}

func (f *fakeHistory) setQueryErr(q string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.errByQuery == nil {
		f.errByQuery = map[string]error{}
	}
	f.errByQuery[q] = err
}

func (f *fakeHistory) set(v float64, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.value, f.err = v, err
}

// fakeForecaster is a streaming forecaster of a flat upper bound with a
// fixed confidence.
type fakeForecaster struct{ mean, upper, conf float64 }

func (fakeForecaster) Update(int64, float64) {}

func (f fakeForecaster) Forecast(h int, coverage float64) (predictor.Forecast, error) {
	fc := predictor.Forecast{Coverage: coverage, Model: "fake", Confidence: f.conf}
	for range h {
		fc.Mean = append(fc.Mean, f.mean)
		fc.Lower = append(fc.Lower, f.mean/2)
		fc.Upper = append(fc.Upper, f.upper)
	}
	return fc, nil
}

// newFake returns a NewForecasterFunc that always hands out fc.
func newFake(fc engine.Forecaster) engine.NewForecasterFunc {
	return func(int64, int, policy.Target) (engine.Forecaster, error) { return fc, nil }
}

// quietDetector scores every point 0.
type quietDetector struct{}

func (quietDetector) Update(int64, float64) float64 { return 0 }

// recorder is an actuator that records actions; while down it refuses them.
type recorder struct {
	mu   sync.Mutex
	got  []actuator.Action
	down bool
}

func (r *recorder) Name() string { return "recorder" }
func (r *recorder) Deliver(_ context.Context, a actuator.Action) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, a)
	if r.down {
		return errors.New("HTTP 500")
	}
	return nil
}

func (r *recorder) setDown(d bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.down = d
}
func (r *recorder) actions() []actuator.Action {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]actuator.Action(nil), r.got...)
}

// fixtureStart is the clock the fixtures start from (tests copy it:
// now := fixtureStart, and move their copy).
var fixtureStart = time.Date(2026, 3, 2, 12, 0, 30, 0, time.UTC)

// confidentForecast: upper bound 70 (10 units of testTarget), confidence
// above its threshold.
var confidentForecast = fakeForecaster{mean: 50, upper: 70, conf: 0.9}

// testOptions are the loop options of the tests: a one-minute cycle on a
// one-minute step over an hour of history.
func testOptions(mode string) Options {
	return Options{Interval: time.Minute, Window: time.Hour, Step: time.Minute, Coverage: 0.8, Mode: mode, AnomalyThreshold: 0.95}
}

// testDeps are the loop's dependencies in the tests: history h, the
// forecaster fc for every target, a detector that flags nothing, the real
// policy, state st, metrics m and the clock now.
func testDeps(h history.History, fc engine.Forecaster, st *state.Store, m *Metrics, now func() time.Time) Deps {
	return Deps{
		History: h, NewForecaster: newFake(fc), NewDetector: func() (predictor.Detector, error) { return quietDetector{}, nil },
		Decide: policy.Decide, State: st, Metrics: m, Now: now,
	}
}

var testTarget = policy.Target{
	Name: "web", Tier: "web", Kind: policy.KindInstances, Query: "q",
	CapacityPerUnit: 10, TargetUtilization: 0.7, MinUnits: 1, MaxUnits: 20, CostPerUnitHour: 0.5,
	Lag: 5 * time.Minute, ScaleDownCooldown: 10 * time.Minute, ConfidenceThreshold: 0.7,
}

type fixture struct {
	c    *Controller
	h    *fakeHistory
	act  *recorder
	am   *actuator.Metrics
	reg  *prometheus.Registry
	now  *time.Time
	dir  string
	mode string
}

func newFixture(t *testing.T, dir string, h *fakeHistory, fc engine.Forecaster, mode string, now *time.Time) *fixture {
	t.Helper()
	return newFixtureFor(t, testTarget, dir, h, fc, mode, now)
}

// newFixtureFor is newFixture for another target than testTarget.
func newFixtureFor(t *testing.T, target policy.Target, dir string, h *fakeHistory, fc engine.Forecaster, mode string, now *time.Time) *fixture {
	t.Helper()
	st, err := state.New(dir)
	require.NoError(t, err)
	reg := prometheus.NewRegistry()
	act := &recorder{}
	am := actuator.NewMetrics(reg)
	clock := func() time.Time { return *now }
	deps := testDeps(h, fc, st, NewMetrics(reg, []policy.Target{target}), clock)
	deps.Actuators = []*actuator.Level{actuator.NewLevel(act, actuator.LevelConfig{Inline: true, Now: clock, Metrics: am})}
	c, err := New([]policy.Target{target}, testOptions(mode), deps)
	require.NoError(t, err)
	return &fixture{c: c, h: h, act: act, am: am, reg: reg, now: now, dir: dir, mode: mode}
}

func (f *fixture) gauge(t *testing.T, g *metrics.TargetGauge) float64 {
	t.Helper()
	return testutil.ToFloat64(g.WithLabelValues("web", "web", "instances"))
}

func TestReconcileOnceForecastScaleUp(t *testing.T) {
	now := fixtureStart
	// Demand 35 needs ceil(35/(10*0.7)) = 5 units now; the forecast's upper
	// bound 70 needs ceil(70/7) = 10 units when new capacity is ready.
	h := &fakeHistory{value: 35}
	f := newFixture(t, t.TempDir(), h, confidentForecast, ModeAct, &now)
	require.Equal(t, 0, testutil.CollectAndCount(f.c.d.Metrics.ModelError), "no model error before a forecast could be scored")
	require.Equal(t, 0, testutil.CollectAndCount(f.c.d.Metrics.Forecast), "no forecast before the first cycle")
	// KEDA read the 0 it was as "scale to the minimum" until the first cycle.
	require.Equal(t, 0, testutil.CollectAndCount(f.c.d.Metrics.Desired), "no desired units before a decision")
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	require.InDelta(t, 10, f.gauge(t, f.c.d.Metrics.Desired), 0)

	acts := f.act.actions()
	require.Len(t, acts, 1)
	require.Equal(t, 1, acts[0].Current, "no prior state: current starts at min_units")
	require.Equal(t, 10, acts[0].Desired)
	require.Equal(t, "up", acts[0].Direction)
	require.Equal(t, "forecast", acts[0].Reason)
	require.Contains(t, acts[0].Explanation, "forecast upper 70")

	m := f.c.d.Metrics
	require.InDelta(t, 10, f.gauge(t, m.Desired), 0)
	require.InDelta(t, 10, f.gauge(t, m.Current), 0, "acknowledged at once (the inline actuator)")
	require.InDelta(t, 50, f.gauge(t, m.Forecast), 0)
	require.InDelta(t, 70, f.gauge(t, m.ForecastHi), 0)
	require.InDelta(t, 25, f.gauge(t, m.ForecastLo), 0)
	require.InDelta(t, 0.9, f.gauge(t, m.Confidence), 0)
	require.InDelta(t, 35, f.gauge(t, m.Demand), 0, "the demand the decision used")
	p := f.c.Snapshot().Targets[0]
	require.Equal(t, "fake", p.Forecast.Model, "the forecast the decision used")
	require.Equal(t, time.Date(2026, 3, 2, 12, 1, 0, 0, time.UTC).Unix(), p.ForecastStart, "one step after the last grid point")
	require.InDelta(t, 5, f.gauge(t, m.CostPerHour), 1e-12, "10 current units at 0.5/h, charged so by the next cycle")
	require.InDelta(t, 1, testutil.ToFloat64(m.Decisions.WithLabelValues("web", "up", "forecast")), 0)
	require.InDelta(t, 0, testutil.ToFloat64(m.Decisions.WithLabelValues("web", "down", "budget")), 0, "pre-initialised")
	require.InDelta(t, 1, testutil.ToFloat64(m.HistoryUp), 0)
	problems, err := testutil.GatherAndLint(f.reg)
	require.NoError(t, err)
	require.Empty(t, problems)

	// One minute later the model error scores the previous mean (50) against
	// the observed 35.
	now = now.Add(time.Minute)
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	require.InDelta(t, 15, f.gauge(t, m.ModelError), 1e-9)
	require.Len(t, f.act.actions(), 1, "no change, no action")
	require.InDelta(t, 10*0.5/60, f.gauge(t, m.CostToday), 1e-9, "one minute of 10 units at 0.5/h")
}

// TestNewControllerWithHistoryDownPublishesNoGuess: a new controller whose
// history source is down at start (it answers neither the demand nor the
// current_query) holds at min_units, a guess: it published that as
// prescale_desired_units (KEDA then scaled a running workload to its
// minimum once Prometheus answered again) and saved it as the last
// decision, published at the next start. The series stays absent, through
// a restart, until a decision is made from data.
func TestNewControllerWithHistoryDownPublishesNoGuess(t *testing.T) {
	now := fixtureStart
	dir := t.TempDir()
	h := &fakeHistory{value: 35, err: errors.New("connection refused")}
	f := newFixture(t, dir, h, confidentForecast, ModeAct, &now)
	require.ErrorIs(t, f.c.ReconcileOnce(t.Context()), cyclelog.ErrHistory)
	m := f.c.d.Metrics
	require.Equal(t, policy.ReasonNoData, f.c.snaps[0].decision.Reason)
	require.Equal(t, 0, testutil.CollectAndCount(m.Desired), "no units decided: no prescale_desired_units")
	require.Equal(t, 0, testutil.CollectAndCount(m.Current), "min_units assumed, not read nor acknowledged: no prescale_current_units")
	require.Equal(t, 0, testutil.CollectAndCount(m.CostPerHour), "nor a cost per hour of them")
	require.Equal(t, 0, testutil.CollectAndCount(m.Demand), "no demand read: no prescale_demand")
	require.InDelta(t, 1, testutil.ToFloat64(m.Decisions.WithLabelValues("web", "none", "no_data")), 0, "the hold is counted")
	require.Empty(t, f.act.actions())

	now = now.Add(time.Minute)
	f = newFixture(t, dir, h, confidentForecast, ModeAct, &now) // a restart, still without history
	require.Equal(t, 0, testutil.CollectAndCount(f.c.d.Metrics.Desired), "none at start from the state file")
	require.ErrorIs(t, f.c.ReconcileOnce(t.Context()), cyclelog.ErrHistory)
	require.Equal(t, 0, testutil.CollectAndCount(f.c.d.Metrics.Desired))
	require.Equal(t, 0, testutil.CollectAndCount(f.c.d.Metrics.Current))
	require.Equal(t, 0, testutil.CollectAndCount(f.c.d.Metrics.CostPerHour))
	require.Equal(t, 0, testutil.CollectAndCount(f.c.d.Metrics.Demand))

	h.set(35, nil)
	now = now.Add(time.Minute)
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	require.InDelta(t, 10, f.gauge(t, f.c.d.Metrics.Desired), 0, "the first decision from data")
	require.InDelta(t, 10, f.gauge(t, f.c.d.Metrics.Current), 0, "its units acknowledged")
	require.InDelta(t, 35, f.gauge(t, f.c.d.Metrics.Demand), 0, "the demand it used")
	require.InDelta(t, 5, f.gauge(t, f.c.d.Metrics.CostPerHour), 1e-12, "10 units at 0.5/h")
}

func TestReconcileOnceHoldsWhenHistoryDown(t *testing.T) {
	now := fixtureStart
	h := &fakeHistory{value: 35}
	f := newFixture(t, t.TempDir(), h, confidentForecast, ModeAct, &now)
	require.NoError(t, f.c.ReconcileOnce(t.Context()))

	h.set(0, errors.New("connection refused"))
	now = now.Add(time.Minute)
	err := f.c.ReconcileOnce(t.Context())
	require.ErrorIs(t, err, cyclelog.ErrHistory)
	m := f.c.d.Metrics
	require.InDelta(t, 10, f.gauge(t, m.Desired), 0, "last decision held, never scaled to min")
	require.InDelta(t, 0, testutil.ToFloat64(m.HistoryUp), 0)
	require.InDelta(t, 1, testutil.ToFloat64(m.Decisions.WithLabelValues("web", "none", "no_data")), 0)
	require.InDelta(t, 1, testutil.ToFloat64(m.CyclesFailed), 0)
	require.Len(t, f.act.actions(), 1, "no action on missing data")
	for name, g := range map[string]*metrics.TargetGauge{"forecast": m.Forecast, "lower": m.ForecastLo, "upper": m.ForecastHi} {
		require.Equal(t, 0, testutil.CollectAndCount(g), "no forecast this cycle: the %s series is dropped, not left stale", name)
	}
	require.Equal(t, "degraded", f.c.Health().Status)
	require.ErrorContains(t, f.c.Ready(), "history source down")
	p := f.c.Snapshot().Targets[0]
	require.Empty(t, p.Forecast.Mean, "the API drops the forecast the same cycle as /metrics")
	require.Contains(t, p.ForecastProblem(), "connection refused")

	// Empty answers (the store is up but has nothing) also hold.
	h.set(0, history.ErrNoData)
	now = now.Add(time.Minute)
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	require.InDelta(t, 10, f.gauge(t, m.Desired), 0)
	require.InDelta(t, 1, testutil.ToFloat64(m.HistoryUp), 0)
	require.InDelta(t, 0, testutil.ToFloat64(m.HistoryHealth), 0)

	// Recovery.
	h.set(35, nil)
	now = now.Add(time.Minute)
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	require.Equal(t, "ok", f.c.Health().Status)
}

// TestManualOverrideShowsForecast: under a manual override on fresh data
// the forecast the decision did not use is still published, in the
// prescale_forecast* series and the API with a note saying so; when the
// history goes down during the override both drop it, as without one.
func TestManualOverrideShowsForecast(t *testing.T) {
	now := fixtureStart
	h := &fakeHistory{value: 35}
	f := newFixture(t, t.TempDir(), h, confidentForecast, ModeAct, &now)
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	_, err := f.c.Override(t.Context(), "web", 3, time.Hour)
	require.NoError(t, err)
	now = now.Add(time.Minute)
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	m := f.c.d.Metrics
	require.InDelta(t, 3, f.gauge(t, m.Desired), 0, "the override decides")
	require.InDelta(t, 1, testutil.ToFloat64(m.Decisions.WithLabelValues("web", "none", "manual")), 0)
	for name, g := range map[string]*metrics.TargetGauge{"forecast": m.Forecast, "lower": m.ForecastLo, "upper": m.ForecastHi} {
		require.Equal(t, 1, testutil.CollectAndCount(g), "the %s series stays during the override", name)
	}
	require.InDelta(t, 70, f.gauge(t, m.ForecastHi), 0, "the lead window's highest upper bound")
	p := f.c.Snapshot().Targets[0]
	require.NotEmpty(t, p.Forecast.Mean, "the API keeps the forecast the same cycle as /metrics")
	require.Equal(t, "manual override in force: forecast shown, not used by the decision", p.ForecastProblem())

	h.set(0, errors.New("connection refused"))
	now = now.Add(time.Minute)
	require.ErrorIs(t, f.c.ReconcileOnce(t.Context()), cyclelog.ErrHistory)
	for name, g := range map[string]*metrics.TargetGauge{"forecast": m.Forecast, "lower": m.ForecastLo, "upper": m.ForecastHi} {
		require.Equal(t, 0, testutil.CollectAndCount(g), "no fresh data: the %s series is dropped", name)
	}
	p = f.c.Snapshot().Targets[0]
	require.Empty(t, p.Forecast.Mean)
	require.Contains(t, p.ForecastProblem(), "connection refused")
}

// TestStaleDataSaysHowOld: a series whose newest point is older than the
// cycle's time holds the decision and says the data is stale and how old
// it is (it used to say "query returned no data"), on and off the grid,
// both when the controller starts on stale data and when data stops.
func TestStaleDataSaysHowOld(t *testing.T) {
	for _, off := range []time.Duration{30 * time.Second, 0} {
		now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC).Add(off)
		h := &fakeHistory{value: 35, until: time.Date(2026, 3, 2, 11, 43, 0, 0, time.UTC).Unix()}
		f := newFixture(t, t.TempDir(), h, confidentForecast, ModeAct, &now)
		m := f.c.d.Metrics
		for k, age := range []time.Duration{17 * time.Minute, 18 * time.Minute} {
			require.NoError(t, f.c.ReconcileOnce(t.Context()))
			require.InDelta(t, float64(k+1), testutil.ToFloat64(m.Decisions.WithLabelValues("web", "none", "no_data")), 0, "held")
			want := fmt.Sprintf("history: stale data: the newest point, at 2026-03-02T11:43:00Z, is %s old (step 1m0s); none at the cycle time: decisions held",
				(age + off).String())
			p := f.c.Snapshot().Targets[0]
			require.Equal(t, want, p.HistoryErr, "offset %s", off)
			require.Equal(t, want, p.ForecastProblem())
			now = now.Add(time.Minute)
		}
		require.Empty(t, f.act.actions(), "no action on stale data")

		// Data that stops arriving is stale from its newest point on.
		h.mu.Lock()
		h.until = 0
		h.mu.Unlock()
		require.NoError(t, f.c.ReconcileOnce(t.Context()))
		require.Empty(t, f.c.Snapshot().Targets[0].HistoryErr)
		h.mu.Lock()
		h.until = now.Truncate(time.Minute).Unix()
		h.mu.Unlock()
		now = now.Add(5 * time.Minute)
		require.NoError(t, f.c.ReconcileOnce(t.Context()))
		require.Contains(t, f.c.Snapshot().Targets[0].HistoryErr, fmt.Sprintf("is %s old", 5*time.Minute+off))
	}
}

// TestIncrementalHistoryReads: the first cycle reads the whole window,
// later ones only the grid points after the newest one read (none between
// grid points: only the value at the cycle's time), and the whole window
// is read again every FullReadEvery and after a gap wider than the window.
func TestIncrementalHistoryReads(t *testing.T) {
	now := fixtureStart
	h := &fakeHistory{value: 35}
	f := newFixture(t, t.TempDir(), h, confidentForecast, ModeAct, &now)
	reads := func() [][2]time.Time {
		h.mu.Lock()
		defer h.mu.Unlock()
		r := h.ranges
		h.ranges = nil
		return r
	}
	at := func(hh, mm, ss int) time.Time { return time.Date(2026, 3, 2, hh, mm, ss, 0, time.UTC) }
	cycle := func(to time.Time) [][2]time.Time {
		t.Helper()
		now = to
		require.NoError(t, f.c.ReconcileOnce(t.Context()))
		return reads()
	}
	require.Equal(t, [][2]time.Time{{at(11, 0, 0), at(12, 0, 0)}, {now, now}}, cycle(now), "first cycle: the whole hour, then now")
	require.Equal(t, [][2]time.Time{{at(12, 0, 50), at(12, 0, 50)}}, cycle(at(12, 0, 50)), "no new grid point: only now")
	require.Equal(t, [][2]time.Time{{at(12, 1, 0), at(12, 3, 0)}, {at(12, 3, 10), at(12, 3, 10)}}, cycle(at(12, 3, 10)), "only the new points")
	require.Equal(t, 61, f.c.Snapshot().Targets[0].Window.Len(), "the window slides")
	require.Equal(t, [][2]time.Time{{at(12, 4, 0), at(12, 4, 0)}}, cycle(at(12, 4, 0)), "on the grid: the new point is the current value")

	// Every FullReadEvery (6h, the first one earlier by a fraction taken
	// from the target's name) the whole window is read again.
	full := 0
	for ts := at(12, 5, 0); ts.Before(at(18, 6, 0)); ts = ts.Add(time.Minute) {
		if r := cycle(ts); r[0][0].Equal(ts.Add(-time.Hour)) {
			full++
		}
	}
	require.Equal(t, 1, full, "one whole read in 6 hours")

	// A gap wider than the window: the window is read whole.
	require.Equal(t, [2]time.Time{at(19, 30, 0), at(20, 30, 0)}, cycle(at(20, 30, 0))[0])
	require.Equal(t, 5, testutil.CollectAndCount(f.c.d.Metrics.PhaseDuration), "the five phases are recorded")
	for _, p := range metrics.CyclePhases {
		var m dto.Metric
		require.NoError(t, f.c.d.Metrics.PhaseDuration.WithLabelValues(p).(prometheus.Metric).Write(&m))
		require.Positive(t, m.GetHistogram().GetSampleCount(), "phase %s timed", p)
	}
}

// TestQueryErrorIsATargetProblem: a query the store answers with several
// series (or fails to evaluate) is the target's data problem; the source
// stays up and ready.
func TestQueryErrorIsATargetProblem(t *testing.T) {
	now := fixtureStart
	h := &fakeHistory{value: 35}
	f := newFixture(t, t.TempDir(), h, confidentForecast, ModeAct, &now)
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	for _, qerr := range []error{
		fmt.Errorf("%w (3 series)", history.ErrMultipleSeries),
		fmt.Errorf("history: embedded query: %w: many-to-many matching not allowed", history.ErrQuery),
	} {
		h.set(0, qerr)
		now = now.Add(time.Minute)
		err := f.c.ReconcileOnce(t.Context())
		require.ErrorIs(t, err, qerr)
		require.NotErrorIs(t, err, cyclelog.ErrHistory)
		m := f.c.d.Metrics
		require.InDelta(t, 1, testutil.ToFloat64(m.HistoryUp), 0, "the source is up")
		require.InDelta(t, 0, testutil.ToFloat64(m.HistoryHealth), 0, "the target has no data")
		require.InDelta(t, 0, f.gauge(t, m.DataOK), 0)
		require.NoError(t, f.c.Ready())
		h0 := f.c.Health()
		require.Equal(t, "degraded", h0.Status)
		require.True(t, h0.Components[0].Healthy, "history component healthy")
		require.False(t, h0.Components[1].Healthy, "target data component unhealthy")
		require.Contains(t, f.c.Snapshot().Targets[0].HistoryErr, qerr.Error())
	}
}

// warmingForecaster is a forecaster still warming up: confidence 0 and a
// forecast that dips below 0.
type warmingForecaster struct{}

func (warmingForecaster) Update(int64, float64) {}

func (warmingForecaster) Forecast(h int, coverage float64) (predictor.Forecast, error) {
	fc := predictor.Forecast{Coverage: coverage, Model: "warming"}
	for range h {
		fc.Mean = append(fc.Mean, 1)
		fc.Lower = append(fc.Lower, -3)
		fc.Upper = append(fc.Upper, 60)
	}
	return fc, nil
}

// TestForecastPublishedFromFirstCycle: a fresh forecaster's forecast is in
// the metrics and in /api/predictions from the first cycle, with its
// confidence (0 here: the decision is reactive), and a published lower
// bound of a non-negative kind is clamped at 0.
func TestForecastPublishedFromFirstCycle(t *testing.T) {
	now := fixtureStart
	f := newFixture(t, t.TempDir(), &fakeHistory{value: 35}, warmingForecaster{}, ModeAct, &now)
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	m := f.c.d.Metrics
	for name, g := range map[string]*metrics.TargetGauge{"forecast": m.Forecast, "lower": m.ForecastLo, "upper": m.ForecastHi} {
		require.Equal(t, 1, testutil.CollectAndCount(g), "a %s series from the first cycle", name)
	}
	require.InDelta(t, 0, f.gauge(t, m.ForecastLo), 0, "lower bound clamped at 0")
	p := f.c.Snapshot().Targets[0]
	require.NotEmpty(t, p.Forecast.Mean)
	require.Empty(t, p.ForecastProblem())
	require.InDelta(t, 0, p.Forecast.Confidence, 0)
	for _, lo := range p.Forecast.Lower {
		require.GreaterOrEqual(t, lo, 0.0)
	}
	d := p.State.Decisions[0]
	require.Equal(t, policy.ReasonLowConfidence, d.Reason, "confidence 0: the decision is reactive")
}

func TestForecastOnlyNeverActs(t *testing.T) {
	now := fixtureStart
	f := newFixture(t, t.TempDir(), &fakeHistory{value: 35}, confidentForecast, ModeForecastOnly, &now)
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	require.Empty(t, f.act.actions())
	require.InDelta(t, 10, f.gauge(t, f.c.d.Metrics.Desired), 0, "still published")
}

func TestRestartResumesWithoutSpuriousAction(t *testing.T) {
	now := fixtureStart
	dir := t.TempDir()
	f1 := newFixture(t, dir, &fakeHistory{value: 35}, confidentForecast, ModeAct, &now)
	require.NoError(t, f1.c.ReconcileOnce(t.Context()))
	require.Len(t, f1.act.actions(), 1)

	now = now.Add(2 * time.Minute)
	f2 := newFixture(t, dir, &fakeHistory{value: 35}, confidentForecast, ModeAct, &now)
	require.InDelta(t, 10, f2.gauge(t, f2.c.d.Metrics.Desired), 0, "held decision published before the first cycle")
	require.NoError(t, f2.c.ReconcileOnce(t.Context()))
	require.Empty(t, f2.act.actions())
	st, err := state.New(dir)
	require.NoError(t, err)
	file, err := st.Load()
	require.NoError(t, err)
	require.Len(t, file.Targets["web"].Decisions, 2, "decisions survive the restart")
	require.Equal(t, now.Add(-2*time.Minute), file.Targets["web"].Policy.LastScaleUp.UTC(), "cooldown timer survives")
}

func TestLowConfidenceIsReactive(t *testing.T) {
	now := fixtureStart
	f := newFixture(t, t.TempDir(), &fakeHistory{value: 35}, fakeForecaster{mean: 50, upper: 70, conf: 0.2}, ModeAct, &now)
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	acts := f.act.actions()
	require.Len(t, acts, 1)
	require.Equal(t, 5, acts[0].Desired, "reactive floor ceil(35/7)")
	require.Equal(t, "low_confidence", acts[0].Reason)
}

// TestRunSchedules drives the scheduler in a synctest bubble: cycles every
// interval while the source is up, retries with 1 s, 2 s, 4 s ... backoff
// while it is down, and stops with the context.
func TestRunSchedules(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &fakeHistory{value: 35}
		var logs testkit.SyncBuffer
		m := NewMetrics(prometheus.NewRegistry(), []policy.Target{testTarget})
		stop := runInBubble(t, h, m, &logs)

		synctest.Wait()
		require.InDelta(t, 1, testutil.ToFloat64(m.Cycles), 0, "first cycle at start")
		time.Sleep(3*time.Minute + time.Second) // virtual time inside the bubble
		synctest.Wait()
		require.InDelta(t, 4, testutil.ToFloat64(m.Cycles), 0, "one per minute")

		h.set(0, errors.New("down"))
		time.Sleep(time.Minute) // the 5th cycle fails
		synctest.Wait()
		time.Sleep(time.Second + 2*time.Second + 4*time.Second) // retries after 1 s, 2 s, 4 s
		synctest.Wait()
		require.InDelta(t, 8, testutil.ToFloat64(m.Cycles), 0)
		require.InDelta(t, 4, testutil.ToFloat64(m.CyclesFailed), 0)
		// One WARN for the outage, not one per retry (4 were logged), DEBUG
		// while it lasts, as the actuators log theirs.
		require.Equal(t, 1, strings.Count(logs.String(), "level=WARN"), "%s", logs.String())
		require.Contains(t, logs.String(), `level=WARN msg="history source down: decisions hold (no_data) and cycles retry with backoff" last_ok=`)
		require.Contains(t, logs.String(), "last_ok=2000-01-01T00:03:00Z err=down\n")
		require.Equal(t, 3, strings.Count(logs.String(), "level=DEBUG"), "%s", logs.String())
		require.NotContains(t, logs.String(), "cycle failed")

		h.set(35, nil)
		time.Sleep(8 * time.Second)
		synctest.Wait()
		require.Equal(t, 1, strings.Count(logs.String(), "level=INFO msg=\"history source recovered\""), "%s", logs.String())
		require.Contains(t, logs.String(), "failing_for=15s failed_attempts=4", "the outage: 7 s of retries, then 8 s to the next cycle")
		require.Equal(t, 1, strings.Count(logs.String(), "level=WARN"))

		stop()
		require.False(t, math.IsNaN(testutil.ToFloat64(m.LastCycle)))
	})
}

// thresholdDetector scores values above 100 as anomalous.
type thresholdDetector struct{}

func (thresholdDetector) Update(_ int64, y float64) float64 {
	if y > 100 {
		return 1
	}
	return 0
}

// recordingForecaster remembers the samples it was fed.
type recordingForecaster struct {
	fakeForecaster
	mu sync.Mutex
	t  []int64
	y  []float64
}

func (r *recordingForecaster) Update(t int64, y float64) {
	r.mu.Lock()
	r.t, r.y = append(r.t, t), append(r.y, y)
	r.mu.Unlock()
}

func TestAnomalousPointsKeptOutOfFitting(t *testing.T) {
	now := fixtureStart
	spike := time.Date(2026, 3, 2, 11, 30, 0, 0, time.UTC)
	h := &fakeHistory{value: 35, spike: spike.Unix()}
	fc := &recordingForecaster{fakeForecaster: confidentForecast}
	st, err := state.New(t.TempDir())
	require.NoError(t, err)
	c, err := New([]policy.Target{testTarget}, Options{
		Interval: time.Minute, Window: time.Hour, Step: time.Minute, Coverage: 0.8, Mode: ModeAct, AnomalyThreshold: 0.95,
	}, Deps{
		History: h, NewForecaster: newFake(fc), NewDetector: func() (predictor.Detector, error) { return thresholdDetector{}, nil },
		Decide: policy.Decide, State: st, Now: func() time.Time { return now },
	})
	require.NoError(t, err)
	require.NoError(t, c.ReconcileOnce(t.Context()))

	// The window is 11:00..12:00 on a 1-minute grid, all fed on the cold
	// start: the spike is point 30.
	require.Len(t, fc.y, 61)
	require.True(t, math.IsNaN(fc.y[30]), "the anomalous point is not fitted")
	require.InDelta(t, 35, fc.y[29], 0)
	p := c.Snapshot().Targets[0]
	require.Equal(t, []int64{spike.Unix()}, p.Anomalous)
	require.False(t, p.Anomaly, "the latest point is normal")

	// The next cycle feeds only the new point; the spike stays flagged.
	now = now.Add(time.Minute)
	require.NoError(t, c.ReconcileOnce(t.Context()))
	require.Len(t, fc.y, 62)
	require.Equal(t, time.Date(2026, 3, 2, 12, 1, 0, 0, time.UTC).Unix(), fc.t[61])
	require.InDelta(t, 35, fc.y[61], 0)
	require.Len(t, c.Snapshot().Targets[0].Anomalous, 1)
}

// A store holding only a fraction of a second of data, newer than the last
// whole second and step: the first cycle reads the demand at now itself
// (instant-query semantics) and decides on it instead of holding no_data.
func TestFirstCycleDecidesOnFreshData(t *testing.T) {
	for _, tc := range []struct {
		name string
		step time.Duration
	}{
		{"5m grid", 5 * time.Minute},
		{"1s grid", time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := time.Date(2026, 3, 2, 12, 3, 20, 700e6, time.UTC)
			emb, err := history.OpenEmbedded(t.TempDir(), history.EmbeddedOptions{})
			require.NoError(t, err)
			t.Cleanup(func() { require.NoError(t, emb.Close()) })
			lbls := testkit.Demand()
			_, err = emb.Append(t.Context(), []history.Sample{{Labels: lbls, T: now.Add(-300 * time.Millisecond).UnixMilli(), V: 35}})
			require.NoError(t, err)
			tg := testTarget
			tg.Query = "demand"
			st, err := state.New(t.TempDir())
			require.NoError(t, err)
			c, err := New([]policy.Target{tg}, Options{
				Interval: time.Minute, Window: 20 * tc.step, Step: tc.step, Coverage: 0.95, Mode: ModeAct, AnomalyThreshold: 0.99,
			}, Deps{
				History: emb, NewDetector: DetectorByName("robust"), Decide: policy.Decide, State: st,
				Now: func() time.Time { return now },
			})
			require.NoError(t, err)
			require.NoError(t, c.ReconcileOnce(t.Context()))
			s := c.Snapshot().Targets[0].State
			d := s.Decisions[len(s.Decisions)-1]
			require.True(t, d.Explanation.DataPresent, Explain(d))
			require.Equal(t, policy.ReasonLowConfidence, d.Reason, "no forecast yet: the HPA formula")
			require.Equal(t, 5, d.Desired, "ceil(35 / (10 * 0.7))")
		})
	}
}

// After the first cycle at start, cycles fall on whole multiples of the
// interval (on the history grid when the interval equals the step).
func TestRunAlignsCycles(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		time.Sleep(20 * time.Second) // start off the minute
		h := &fakeHistory{value: 35}
		st, err := state.New(t.TempDir())
		require.NoError(t, err)
		m := NewMetrics(prometheus.NewRegistry(), []policy.Target{testTarget})
		c, err := New([]policy.Target{testTarget}, testOptions(ModeAct), testDeps(h, confidentForecast, st, m, time.Now))
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { _ = c.Run(ctx); close(done) }()
		synctest.Wait()
		first := testutil.ToFloat64(m.LastCycle)
		require.InDelta(t, 20, math.Mod(first, 60), 1e-6, "first cycle at start")
		time.Sleep(45 * time.Second)
		synctest.Wait()
		second := testutil.ToFloat64(m.LastCycle)
		require.InDelta(t, 40, second-first, 1e-6, "the next at the whole minute")
		require.InDelta(t, 0, math.Mod(second, 60), 1e-6)
		cancel()
		<-done
	})
}

// TestExplainNamesRequestedUnits: the explanation's starting units are
// the units requested, and say so. A webhook for a scale-up that was
// re-sent after a receiver outage read "current_units: 1" in its
// annotations and "..., current 3" in its description.
func TestExplainNamesRequestedUnits(t *testing.T) {
	d := policy.Decision{Desired: 3, Reason: policy.ReasonManual, Explanation: policy.Explanation{CurrentUnits: 3, Rule: "manual"}}
	line := Explain(d)
	require.True(t, strings.HasSuffix(line, ", requested before 3"), line)
	require.NotContains(t, line, "current")
}

// TestExplainNamesWhatSizedTheForecast: a decision sized by the peak
// quantiles explains itself by them; "forecast upper X ... needs N" is
// kept for a decision the upper bound sized (risk_per_unit 0).
func TestExplainNamesWhatSizedTheForecast(t *testing.T) {
	e := policy.Explanation{UpperUsed: 38, ForecastUnits: 3, ExceedanceProbability: 0.02, Peak: &policy.Peak{P50: 10, P90: 20, P99: 30}, Rule: policy.RuleForecast}
	line := Explain(policy.Decision{Desired: 3, Reason: policy.ReasonForecast, Explanation: e})
	require.Contains(t, line, "forecast peak p50 10 p90 20 p99 30 over")
	require.Contains(t, line, "needs 3 (exceedance 0.02)")
	require.NotContains(t, line, "upper")
	e.Peak = nil
	line = Explain(policy.Decision{Desired: 3, Reason: policy.ReasonForecast, Explanation: e})
	require.Contains(t, line, "forecast upper 38 over")
	require.NotContains(t, line, "peak")
}
