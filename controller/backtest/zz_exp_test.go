package backtest

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/trace"
	"github.com/prescale/prescale/predictor"
)

func envF(k string, d float64) float64 {
	if s := os.Getenv(k); s != "" {
		f, _ := strconv.ParseFloat(s, 64)
		return f
	}
	return d
}

func TestExp(t *testing.T) {
	dir := os.Getenv("EXP_TRACES")
	if dir == "" {
		t.Skip()
	}
	files, _ := filepath.Glob(filepath.Join(dir, os.Getenv("ONLY")+"*.csv"))
	logsum, worst := 0.0, 0.0
	for _, f := range files {
		tr, err := trace.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var vals []float64
		for _, v := range tr.V {
			if !math.IsNaN(v) {
				vals = append(vals, v)
			}
		}
		slices.Sort(vals)
		c := vals[int(math.Floor(0.99*float64(len(vals))))] / 20
		es, _ := EvalStartIndex("0.7", tr.Len())
		tg := policy.Target{Name: "x", CapacityPerUnit: c, TargetUtilization: 1, MinUnits: 1, MaxUnits: 100, Lag: 300 * time.Second, ConfidenceThreshold: envF("CONF", 0.7), RiskPerUnit: envF("RISK", 0)}
		if os.Getenv("STAB") != "" {
			step := time.Duration(tr.T[1]-tr.T[0]) * time.Second
			tg.StabilizationWindow = max(0, tg.Lag-step/2)
		}
		cfg := Config{Target: tg, Coverage: envF("COV", 0.95), EvalStart: es,
			NewForecaster: func(step int64, h int) (Forecaster, error) {
				if os.Getenv("ENS") != "" {
					var cfgs []predictor.OnlineConfig
					for _, m := range strings.Split(os.Getenv("ENS"), ",") {
						lo, la, _ := strings.Cut(m, ":")
						l1, _ := strconv.ParseFloat(lo, 64)
						l2, _ := strconv.ParseFloat(la, 64)
						cfgs = append(cfgs, predictor.OnlineConfig{Step: step, Horizon: h, LevelAlpha: l2, LogOffset: l1 * c, ScaleAlpha: envF("SA", 0)})
					}
					var lv []float64
					if s := os.Getenv("LV"); s != "" {
						for _, x := range strings.Split(s, ",") {
							f, _ := strconv.ParseFloat(x, 64)
							lv = append(lv, f)
						}
					}
					return predictor.NewOnlineEnsemble(cfgs, predictor.EnsembleOptions{HalfLife: int(envF("HL", 0)), Levels: lv})
				}
				return predictor.NewOnlineForecaster(predictor.OnlineConfig{Step: step, Horizon: h,
					LevelAlpha: envF("LA", 0), ScaleAlpha: envF("SA", 0), SeasonWeight: envF("SW", 0),
					SeasonDays: int(envF("SD", 0)), Window: int(envF("W", 0)), Hold: int(envF("HOLD", 0)), LogOffset: envF("LOG", 0) * c})
			}}
		start := time.Now()
		r, err := Run(t.Context(), tr.T, tr.V, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if o := os.Getenv("EXP_OUT"); o != "" {
			fh, _ := os.Create(filepath.Join(o, filepath.Base(f)))
			WriteDecisions(fh, r)
			fh.Close()
		}
		fl := 0.0
		for i := es; i < len(tr.V); i++ {
			if !math.IsNaN(tr.V[i]) {
				fl += float64(max(1, NewSim(tr.T, tr.V, c, 300, 1, 100, 0).Need(tr.V[i])))
			}
		}
		fl = fl * float64(tr.T[1]-tr.T[0]) / 3600
		fmt.Printf("c/floor %.2f ", r.Prescale.InstanceHours/fl)
		ratio := r.Equal.ViolationRatio
		logsum += math.Log(max(ratio, 0.05))
		worst = max(worst, ratio)
		if e, ok := r.Forecaster.(*predictor.OnlineEnsemble); ok {
			fmt.Print(e.Best(), " ")
		}
		fmt.Printf("%-34s ratio %6.3f cost/oracle %5.2f viol %7.0f hpaviol %7.0f %s %v\n", filepath.Base(f), ratio, r.Prescale.InstanceHours/r.Oracle.InstanceHours, r.Prescale.ViolationSeconds, r.Equal.HPAViolationSeconds, r.Equal.Clamped, time.Since(start).Round(time.Millisecond))
	}
	fmt.Printf("GEOMEAN %.3f WORST %.3f\n", math.Exp(logsum/float64(len(files))), worst)
}

func TestCurve(t *testing.T) {
	dir := os.Getenv("EXP_TRACES")
	if dir == "" {
		t.Skip()
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
	for _, f := range files {
		tr, _ := trace.ReadFile(f)
		var vals []float64
		for _, v := range tr.V {
			if !math.IsNaN(v) {
				vals = append(vals, v)
			}
		}
		slices.Sort(vals)
		c := vals[int(math.Floor(0.99*float64(len(vals))))] / 20
		es, _ := EvalStartIndex("0.7", tr.Len())
		sim := NewSim(tr.T, tr.V, c, 300, 1, 100, es)
		or := sim.OracleRequests()
		of := sim.Run(or[0], Replay(or), nil)
		fmt.Printf("%-34s", filepath.Base(f))
		for _, tg := range DefaultHPATargets() {
			h := sim.Run(sim.InitialUnits(), sim.HPA(tg), nil)
			fmt.Printf(" %.2f:%.2f/%.0f", tg, h.InstanceHours/of.InstanceHours, h.ViolationSeconds/60)
		}
		fmt.Println()
	}
}
