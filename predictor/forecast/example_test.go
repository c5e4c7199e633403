package forecast_test

import (
	"fmt"
	"math"

	"github.com/prescale/prescale/predictor"
	"github.com/prescale/prescale/predictor/forecast"
)

// exampleDaily returns 14 days of hourly samples: a daily cycle of
// amplitude 20 around 100 with a deterministic ripple as "noise".
func exampleDaily() ([]int64, []float64) {
	const n = 14 * 24
	t := make([]int64, n)
	y := make([]float64, n)
	for i := range n {
		t[i] = 1_700_000_000 - 1_700_000_000%86400 + int64(i)*3600
		y[i] = 100 + 20*math.Sin(2*math.Pi*float64(i)/24) + 2*math.Sin(float64(i)*1.7)
	}
	return t, y
}

// printMeans fits m on t and y and prints its mean forecast for h steps.
func printMeans(m predictor.Model, t []int64, y []float64, h int) {
	if err := m.Fit(t, y); err != nil {
		fmt.Println(err)
		return
	}
	f, err := m.Forecast(h, 0.8)
	if err != nil {
		fmt.Println(err)
		return
	}
	for k := range f.Mean {
		fmt.Printf("h=%d %.0f\n", k+1, f.Mean[k])
	}
}

func ExamplePredict() {
	t, y := exampleDaily()
	f, err := forecast.Predict(t, y, 3, forecast.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	n := len(y)
	for k := range f.Mean {
		// The series continues deterministically, so print the truth too.
		i := float64(n + k)
		truth := 100 + 20*math.Sin(2*math.Pi*i/24) + 2*math.Sin(i*1.7)
		fmt.Printf("h=%d %.0f [%.0f, %.0f] truth %.0f\n", k+1, f.Mean[k], f.Lower[k], f.Upper[k], truth)
	}
	fmt.Printf("confidence %.1f\n", f.Confidence)
	// Output:
	// h=1 99 [99, 99] truth 99
	// h=2 107 [106, 107] truth 107
	// h=3 110 [109, 111] truth 111
	// confidence 1.0
}

func ExampleNaive() {
	t := []int64{0, 60, 120, 180}
	y := []float64{5, 7, math.NaN(), 6}
	m := forecast.NewNaive(forecast.Options{Horizon: 2})
	if err := m.Fit(t, y); err != nil {
		fmt.Println(err)
		return
	}
	f, _ := m.Forecast(2, 0.8)
	// Four samples are too few for a backtest: the naive fallback, with
	// the missing third sample ignored.
	fmt.Println(m.Name(), f.Mean, f.Model)
	// Output:
	// naive [6 6] naive_fallback
}

func ExampleSeasonalNaive() {
	t, y := exampleDaily()
	m := forecast.NewSeasonalNaive(forecast.Options{Horizon: 3})
	if err := m.Fit(t, y); err != nil {
		fmt.Println(err)
		return
	}
	f, _ := m.Forecast(3, 0.8)
	n := len(y)
	for k := range f.Mean {
		// The value one day (24 samples) before each target.
		fmt.Printf("h=%d %.2f %.2f\n", k+1, f.Mean[k], y[n+k-24])
	}
	// Output:
	// h=1 101.01 101.01
	// h=2 103.33 103.33
	// h=3 109.47 109.47
}

func ExampleRidge() {
	t, y := exampleDaily()
	printMeans(forecast.NewRidge(forecast.Options{Horizon: 3}, false), t, y, 3)
	// Output:
	// h=1 99
	// h=2 107
	// h=3 110
}

func ExampleHoltWinters() {
	t, y := exampleDaily()
	printMeans(forecast.NewHoltWinters(forecast.Options{Horizon: 3}), t, y, 3)
	// Output:
	// h=1 100
	// h=2 105
	// h=3 110
}

func ExampleAuto() {
	t, y := exampleDaily()
	// Fit on all but the last 5 samples, then feed them one by one: the
	// parameters stay fixed, the state follows the data.
	a := forecast.NewAuto(forecast.Options{Horizon: 2})
	if err := a.Fit(t[:len(t)-5], y[:len(y)-5]); err != nil {
		fmt.Println(err)
		return
	}
	for i := len(y) - 5; i < len(y); i++ {
		a.Update(t[i], y[i])
	}
	f, _ := a.Forecast(2, 0.8)
	fmt.Printf("%s %.0f %.0f\n", a.Name(), f.Mean[0], f.Mean[1])
	// Output:
	// auto 99 107
}

func ExampleRolling() {
	t, y := exampleDaily()
	// Forecast one step ahead from the last three origins, refitting every
	// 24 samples; each forecast uses the samples up to its origin only.
	origins := []int{len(y) - 4, len(y) - 3, len(y) - 2}
	err := forecast.Rolling(t, y, origins, 1, forecast.Options{}, 24, 0.8,
		func(i int, f predictor.Forecast) error {
			fmt.Printf("origin %d: %.0f (actual %.0f)\n", i, f.Mean[0], y[i+1])
			return nil
		})
	fmt.Println(err)
	// Output:
	// origin 332: 87 (actual 87)
	// origin 333: 91 (actual 91)
	// origin 334: 93 (actual 93)
	// <nil>
}
