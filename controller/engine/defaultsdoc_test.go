package engine

import (
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/internal/testkit"
)

// TestDefaultsTable: docs/tuning.md's defaults table gives each of this
// package's defaults and rule constants the code's value, and has a row
// for each (every exported Default* is checked to have one by
// TestDefaultsTableIsTheConfig in deploy). DefaultForecaster's value is
// the type of forecaster it builds.
func TestDefaultsTable(t *testing.T) {
	f, err := DefaultForecaster(300, 12, policy.Target{Name: "web", CapacityPerUnit: 1, MaxUnits: 10, Lag: 5 * time.Minute, RiskPerUnit: DefaultRiskPerUnit})
	require.NoError(t, err)
	testkit.RequireDefaultsRows(t, "engine", map[string]any{
		"engine.DefaultRiskPerUnit":      DefaultRiskPerUnit,
		"engine.DefaultChangeCost":       DefaultChangeCost,
		"engine.DefaultFloorMode":        DefaultFloorMode,
		"engine.DefaultCoverage":         DefaultCoverage,
		"engine.DefaultDetector":         DefaultDetector,
		"engine.DefaultAnomalyThreshold": DefaultAnomalyThreshold,
		"engine.DefaultRefitEvery":       DefaultRefitEvery,
		"engine.DefaultForecaster":       reflect.TypeOf(f).Elem().Name(),
		"engine.liveKeepDays":            liveKeepDays,
		"engine.liveKeepMin":             liveKeepMin,
		"engine.liveKeepMax":             liveKeepMax,
		"engine.peakFrom":                peakFrom,
		"engine.defaultScaleAlpha":       defaultScaleAlpha,
		"engine.defaultLogOffset":        defaultLogOffset,
		"engine.defaultTrackRate":        defaultTrackRate,
		"engine.condStrict":              condStrict,
		"engine.condPrior":               condPrior,
		"engine.condMemory":              condMemory,
		"engine.condMaxRatio":            condMaxRatio,
		"engine.condMinOrigins":          condMinOrigins,
		"engine.PaceTarget":              PaceTarget,
		"engine.pacePower":               pacePower,
		"engine.PaceMaxPrice":            PaceMaxPrice,
		"engine.paceMinEvents":           paceMinEvents,
		"engine.ShadowTimeConstant":      ShadowTimeConstant,
		"engine.spareShare":              spareShare,
		"engine.spareCostUp":             spareCostUp,
		"engine.wideFactor":              wideFactor,
		"engine.calmEvents":              calmEvents,
		"engine.calmWindow":              calmWindow,
		"engine.calmDecisions":           calmDecisions,
		"engine.calmResumeGap":           calmResumeGap,
	})
}
