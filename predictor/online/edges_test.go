package online

// The forecaster's and the ensemble's edges that no other test pinned
// (each found by a mutation that every test still passed).

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAlphasOfOne: a level and a scale smoothing of 1 (no memory) are
// kept, not replaced by the defaults.
func TestAlphasOfOne(t *testing.T) {
	f, err := NewForecaster(Config{Step: 300, LevelAlpha: 1, ScaleAlpha: 1})
	require.NoError(t, err)
	require.InDelta(t, 1, f.Config().LevelAlpha, 0)
	require.InDelta(t, 1, f.Config().ScaleAlpha, 0)
}

// TestForecastBoundsScaleWithTheErrors: on white noise of 50 about 1000
// the 80 % interval of the next sample is tens of units wide on both
// sides of the mean (the errors' quantiles times their scale; Lower from
// the 10 % quantile, not capped at the mean) and well within the
// highest errors (Upper from the 90 % quantile), here 1037.8 and 951.9
// about 976.6.
func TestForecastBoundsScaleWithTheErrors(t *testing.T) {
	f, err := NewForecaster(Config{Step: 300, Horizon: 2, Season: -1})
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 500 {
		f.Update(int64(i*300), 1000+50*rng.NormFloat64())
	}
	fc, err := f.Forecast(2, 0.8)
	require.NoError(t, err)
	for k := range 2 {
		require.Greater(t, fc.Upper[k]-fc.Mean[k], 40.0, "step %d: the 90 %% quantile, not the 60 %%", k)
		require.Less(t, fc.Upper[k]-fc.Mean[k], 100.0, "step %d: the 90 %% quantile, not the highest error", k)
		require.Greater(t, fc.Mean[k]-fc.Lower[k], 10.0, "step %d", k)
	}
}

// TestPeakQuantilesNearTheFloat64Range: values near math.MaxFloat64 give
// no peak quantiles (the upper ones overflow), not some of them.
func TestPeakQuantilesNearTheFloat64Range(t *testing.T) {
	f, err := NewForecaster(Config{Step: 300, Horizon: 2, Season: -1})
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 500 {
		f.Update(int64(i*300), math.MaxFloat64*(0.5+0.5*rng.Float64()))
	}
	v := make([]float64, 3)
	require.False(t, f.PeakQuantiles([]float64{0.5, 0.9, 0.99}, v))
}

// TestConfidenceFromMinResidualsPeaks: the confidence is 0 until
// MinResiduals residuals exist (at the sixth sample), 1 from then until
// MinResiduals realised peaks were checked against the 90 % quantile,
// then their share under it over 0.9: a level of 10 that starts to climb
// quadratically at the ninth sample, with MinResiduals 5, is 1 at the
// tenth sample (4 peaks checked) and 3/5/0.9 at the eleventh.
func TestConfidenceFromMinResidualsPeaks(t *testing.T) {
	f, err := NewForecaster(Config{Step: 300, Horizon: 1, Season: -1, MinResiduals: 5})
	require.NoError(t, err)
	var conf []float64
	for i := range 11 {
		y := 10.0
		if i >= 8 {
			y += float64((i - 7) * (i - 7))
		}
		f.Update(int64(i*300), y)
		fc, err := f.Forecast(1, 0.8)
		require.NoError(t, err)
		conf = append(conf, fc.Confidence)
	}
	require.Zero(t, conf[4], "4 residuals")
	require.InDelta(t, 1, conf[5], 0, "5 residuals, no peak checked")
	require.InDelta(t, 1, conf[9], 0)
	require.InDelta(t, 3.0/5/0.9, conf[10], 1e-12)
}

// TestConfidenceCappedAtOne: every realised peak under the 90 % quantile
// (a falling series) gives a confidence of 1, not 1/0.9.
func TestConfidenceCappedAtOne(t *testing.T) {
	f, err := NewForecaster(Config{Step: 300, Horizon: 1, Season: -1, MinResiduals: 5})
	require.NoError(t, err)
	for i := range 60 {
		f.Update(int64(i*300), 1000-float64(i*i))
	}
	fc, err := f.Forecast(1, 0.8)
	require.NoError(t, err)
	require.InDelta(t, 1, fc.Confidence, 0)
}

// fixedHandicap is a Selector with fixed handicaps (1 for the members it
// does not name).
type fixedHandicap map[int]float64

func (fixedHandicap) Observe(int64, float64) {}

func (h fixedHandicap) Handicap(m int) float64 {
	if v, ok := h[m]; ok {
		return v
	}
	return 1
}

// TestHandicapMultipliesTheLoss: a Selector's handicap multiplies a
// member's loss when the best is chosen. On white noise the member with
// a level smoothing of 0.1 has the lower loss (16.2 against 22.0 for 1):
// it answers, with a handicap of 2 on the other too, and the other
// answers once it bears the handicap of 2 itself.
func TestHandicapMultipliesTheLoss(t *testing.T) {
	cfgs := []Config{{Step: 300, Horizon: 2, Season: -1, LevelAlpha: 0.1}, {Step: 300, Horizon: 2, Season: -1, LevelAlpha: 1}}
	for _, c := range []struct {
		sel  Selector
		best int
	}{{nil, 0}, {fixedHandicap{1: 2}, 0}, {fixedHandicap{0: 2}, 1}} {
		e, err := NewEnsemble(cfgs, EnsembleOptions{Selector: c.sel})
		require.NoError(t, err)
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range 1000 {
			e.Update(int64(i*300), 1000+50*rng.NormFloat64())
		}
		require.Equal(t, c.best, e.Best(), "handicaps %v", c.sel)
	}
}

// TestPinballLoss: a member's loss moves towards the pinball loss of its
// peak quantile at the realised peak: at level 0.9 a quantile of 10 and
// a peak of 12 lose 0.9 x 2, a peak of 8 loses 0.1 x 2; with a half-life
// of one sample the loss moves half-way each time: 0.9, then 0.55.
func TestPinballLoss(t *testing.T) {
	e, err := NewEnsemble([]Config{{Step: 300, Horizon: 1, Season: -1}}, EnsembleOptions{Levels: []float64{0.9}, HalfLife: 1})
	require.NoError(t, err)
	e.pred[0][0][0] = 10
	e.ys[1] = 12
	e.score(0, 1)
	require.InDelta(t, 0.9, e.loss[0], 1e-12)
	e.ys[1] = 8
	e.score(0, 1)
	require.InDelta(t, 0.55, e.loss[0], 1e-12)
}

// TestCapIsTheWindowsHighest: with CapAtWindowMax the peak quantiles are
// capped at the highest of the last Window samples, followed as values
// leave the window: on lognormal noise (log scale, a window of 100),
// wherever the uncapped 99 % quantile is above that highest value the
// capped one is that value (up to the log scale's rounding).
func TestCapIsTheWindowsHighest(t *testing.T) {
	cfg := Config{Step: 300, Horizon: 2, Season: -1, LogOffset: 1, Window: 100}
	free, err := NewForecaster(cfg)
	require.NoError(t, err)
	cfg.CapAtWindowMax = true
	capped, err := NewForecaster(cfg)
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(3, 4))
	var ys []float64
	bound := 0
	for i := range 1000 {
		y := math.Exp(2 + rng.NormFloat64())
		ys = append(ys, y)
		free.Update(int64(i*300), y)
		capped.Update(int64(i*300), y)
		u, ok := free.PeakQuantile(0.99)
		c, _ := capped.PeakQuantile(0.99)
		hi := 0.0
		for _, v := range ys[max(0, len(ys)-100):] {
			hi = max(hi, v)
		}
		if !ok || u <= hi {
			continue
		}
		bound++
		require.InEpsilon(t, hi, c, 1e-9, "sample %d", i)
	}
	require.Greater(t, bound, 50, "the cap bound at %d samples", bound)
}

// TestStepOfOneSecond: a step of one second is valid.
func TestStepOfOneSecond(t *testing.T) {
	f, err := NewForecaster(Config{Step: 1})
	require.NoError(t, err)
	require.Equal(t, int64(1), f.Config().Step)
}

// TestDefaultLossHalfLife: without HalfLife the losses fade with a
// half-life of one day of samples (288 at 5-minute steps).
func TestDefaultLossHalfLife(t *testing.T) {
	e, err := NewEnsemble([]Config{{Step: 300}}, EnsembleOptions{})
	require.NoError(t, err)
	require.InDelta(t, 1-math.Pow(0.5, 1.0/288), e.alpha, 1e-15)
}

// TestForecastWithoutResiduals: before any residual the forecast's bounds
// are three errors' scales about the mean, not the mean itself.
func TestForecastWithoutResiduals(t *testing.T) {
	f, err := NewForecaster(Config{Step: 300, Horizon: 1, Season: -1})
	require.NoError(t, err)
	f.Update(0, 10)
	fc, err := f.Forecast(1, 0.8)
	require.NoError(t, err)
	require.Empty(t, f.sorted)
	require.Greater(t, fc.Upper[0], fc.Mean[0])
	require.Less(t, fc.Lower[0], fc.Mean[0])
	require.InDelta(t, fc.Upper[0]-fc.Mean[0], fc.Mean[0]-fc.Lower[0], 1e-9)
}

// TestConfidenceOnWhiteNoise: on white noise about 9 in 10 realised peaks
// are under the 90 % peak quantile: the confidence is their share over
// 0.9, here 0.988 after 600 samples, not 1 (every peak under the highest
// quantile).
func TestConfidenceOnWhiteNoise(t *testing.T) {
	f, err := NewForecaster(Config{Step: 300, Horizon: 1, Season: -1, LevelAlpha: 0.05})
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 600 {
		f.Update(int64(i*300), 100+10*rng.NormFloat64())
	}
	fc, err := f.Forecast(1, 0.8)
	require.NoError(t, err)
	require.Greater(t, fc.Confidence, 0.9)
	require.Less(t, fc.Confidence, 1.0)
}

// TestConfigBounds: a level smoothing above 1 takes the default (0.5); a
// negative season weight is 0; a MinResiduals of 1 and a Window of
// MaxWindow are kept; a TrackLevel of 1 is refused.
func TestConfigBounds(t *testing.T) {
	f, err := NewForecaster(Config{Step: 300, LevelAlpha: 1.5, SeasonWeight: -1, MinResiduals: 1, Window: MaxWindow})
	require.NoError(t, err)
	c := f.Config()
	require.InDelta(t, 0.5, c.LevelAlpha, 0)
	require.Zero(t, c.SeasonWeight)
	require.Equal(t, 1, c.MinResiduals)
	require.Equal(t, MaxWindow, c.Window)
	_, err = NewForecaster(Config{Step: 300, TrackRate: 0.01, TrackLevel: 1})
	require.Error(t, err)
}

// TestLevelWindowFromTheFirstSample: with a level window of 3 the level
// after two samples is the higher of both, the first one too.
func TestLevelWindowFromTheFirstSample(t *testing.T) {
	f, err := NewForecaster(Config{Step: 300, Horizon: 1, Season: -1, LevelWindow: 3})
	require.NoError(t, err)
	f.Update(0, 10)
	f.Update(300, 1)
	fc, err := f.Forecast(1, 0.8)
	require.NoError(t, err)
	require.Equal(t, []float64{10}, fc.Mean)
}

// TestForecastBeyondTheHorizon: steps beyond Horizon repeat the last
// point; a coverage of 0 is refused.
func TestForecastBeyondTheHorizon(t *testing.T) {
	f, err := NewForecaster(Config{Step: 300, Horizon: 2, Season: -1})
	require.NoError(t, err)
	for i := range 50 {
		f.Update(int64(i*300), float64(10+i%3))
	}
	fc, err := f.Forecast(4, 0.8)
	require.NoError(t, err)
	require.Len(t, fc.Mean, 4)
	require.InDelta(t, fc.Mean[1], fc.Mean[3], 0)
	_, err = f.Forecast(2, 0)
	require.Error(t, err)
}
