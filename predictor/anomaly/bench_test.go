package anomaly

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/prescale/prescale/internal/testkit"
	"github.com/prescale/prescale/predictor"
)

// BenchmarkDetectorUpdate times one Update of a warmed-up detector on a
// noisy daily cycle at 5-minute steps, at the default and at larger window
// sizes.
func BenchmarkDetectorUpdate(b *testing.B) {
	cases := []struct {
		name string
		mk   func() predictor.Detector
	}{
		{"zscore/window=288", func() predictor.Detector { return NewZScoreDetector(ZScoreConfig{Window: 288}) }},
		{"zscore/window=6400(default)", func() predictor.Detector { return NewZScoreDetector(ZScoreConfig{}) }},
		{"robust/window=500", func() predictor.Detector { return NewRobustDetector(RobustConfig{Window: 500}) }},
		{"robust/window=1500(default)", func() predictor.Detector { return NewRobustDetector(RobustConfig{}) }},
		{"robust/window=3000", func() predictor.Detector { return NewRobustDetector(RobustConfig{Window: 3000}) }},
	}
	const warm = 10_000
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			const n = 1 << 14
			ys := testkit.DailySine(n, 100, 20, 2, rand.New(rand.NewPCG(1, 2)))
			d := bc.mk()
			for i := range warm {
				d.Update(int64(i)*300, ys[i%n])
			}
			sink := 0.0
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				sink += d.Update(int64(warm+i)*300, ys[i%n])
			}
			if math.IsNaN(sink) {
				b.Fatal("NaN score")
			}
		})
	}
}
