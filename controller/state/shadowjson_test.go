package state

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
)

// oddFloats are the numbers where encoding/json's format changes: zero
// and negative zero (omitted where omitempty), the exponent form's
// bounds, the smallest and largest doubles.
var oddFloats = []float64{0, math.Copysign(0, -1), 1e-6, 9.999999e-7, 1e-7, -1e-7, 1e21, 9.99999e20, -1e21,
	5e-324, math.MaxFloat64, 1e-300, 123456789.125, 0.1, 2.5e-8, 1.5e300}

// oddStrings are plain strings and those encoding/json escapes (quotes,
// control characters, HTML, non-ASCII, invalid UTF-8).
var oddStrings = []string{"", "capacity 10, lag 10m0s", `a"b`, `back\slash`, "tab\t", "<lag>", "a<b", "a>b", "a&b", "grüße", "\xff\xfe", "\u2028"}

// randShadow is a shadow runs' memory with rng's choices of each field:
// empty and nil slices, zero (omitted) fields and oddFloats among them.
func randShadow(rng *rand.Rand) *Shadow {
	f := func() float64 {
		switch rng.IntN(4) {
		case 0:
			return oddFloats[rng.IntN(len(oddFloats))]
		case 1:
			return float64(rng.IntN(100))
		default:
			return (rng.Float64() - 0.3) * math.Pow(10, float64(rng.IntN(30)-12))
		}
	}
	fs := func() []float64 {
		switch n := rng.IntN(5); n {
		case 0:
			return nil
		case 1:
			return []float64{}
		default:
			out := make([]float64, n*7)
			for i := range out {
				out[i] = f()
			}
			return out
		}
	}
	i64 := func() int64 { return int64(rng.IntN(3)) * (rng.Int64N(1<<40) - 1<<20) }
	run := func() Run { return Run{Ready: rng.IntN(3) * rng.IntN(50), Pending: fs(), Cost: f(), Viol: f()} }
	m := &Shadow{Version: rng.IntN(3), Target: oddStrings[rng.IntN(len(oddStrings))], At: i64(), Started: i64(), Demand: f(), Missing: rng.IntN(2) == 0, Pick: rng.IntN(14) - 1,
		Forecaster: run(), Own: run(), Pace: Pace{Cost: f(), Events: f(), Counted: i64()},
		Steps: Steps{At: i64(), Last: f(), Has: rng.IntN(2) == 0, LastDiff: f(), HasDiff: rng.IntN(2) == 0, Wobble: fs(), Climb: fs()}}
	if rng.IntN(3) > 0 {
		m.FcPolicy = policy.State{LastDesired: rng.IntN(9), HasLast: true,
			Recent: []policy.Recommendation{{At: time.Unix(rng.Int64N(4e9), 0).UTC(), Units: rng.IntN(9)}}}
	}
	if n := rng.IntN(14); n > 0 || rng.IntN(2) == 0 {
		m.HPAs = make([]HPARun, n)
		for h := range m.HPAs {
			m.HPAs[h] = HPARun{Run: run(), Last: rng.IntN(50), Events: f(), LastEvent: i64()}
			for range rng.IntN(4) * 7 {
				m.HPAs[h].Window = append(m.HPAs[h].Window, Rec{At: i64(), Raw: rng.IntN(3) * rng.IntN(60)})
			}
		}
	}
	return m
}

// TestSaveWritesShadowAsJSONDoes: the shadow runs' memory, written by
// appendShadow, is json.Marshal's bytes for it, over random memories and
// the full one of the benchmark's fleet.
func TestSaveWritesShadowAsJSONDoes(t *testing.T) {
	s, err := New(t.TempDir())
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(9, 1))
	for round := range 20 {
		f := fleetFile(3)
		for i := range 50 {
			tg := fixtureFile().Targets["web"]
			tg.Shadow = randShadow(rng)
			f.Targets[fmt.Sprintf("random-%02d", i)] = tg
		}
		f.Targets["none"] = Target{Shadow: &Shadow{}}
		require.NoError(t, s.Save(f))
		got, err := os.ReadFile(s.Path())
		require.NoError(t, err)
		f.Version = Version
		want, err := json.Marshal(f)
		require.NoError(t, err)
		require.Equal(t, string(want), string(got), "round %d", round)
	}
}

// TestSaveRefusesShadowNaN: a memory holding a number JSON cannot write
// fails the save with encoding/json's error, as before appendShadow, and
// leaves the previous file.
func TestSaveRefusesShadowNaN(t *testing.T) {
	s, err := New(t.TempDir())
	require.NoError(t, err)
	f := fleetFile(2)
	require.NoError(t, s.Save(f))
	before, err := os.ReadFile(s.Path())
	require.NoError(t, err)
	for _, bad := range []func(m *Shadow){
		func(m *Shadow) { m.Steps.Wobble[3] = math.NaN() },
		func(m *Shadow) { m.HPAs[2].Cost = math.Inf(1) },
		func(m *Shadow) { m.Demand = math.Inf(-1) },
	} {
		g := fleetFile(2)
		tg := g.Targets["service-0001"]
		bad(tg.Shadow)
		g.Targets["service-0001"] = tg
		_, jerr := json.Marshal(tg)
		require.Error(t, jerr)
		err := s.Save(g)
		require.ErrorContains(t, err, "unsupported value")
		after, rerr := os.ReadFile(s.Path())
		require.NoError(t, rerr)
		require.Equal(t, before, after)
	}
}

// FuzzShadowJSON: appendShadow writes any memory's numbers as
// json.Marshal does.
func FuzzShadowJSON(f *testing.F) {
	for _, x := range oddFloats {
		f.Add(x, -x, int64(1796580000), 3, uint64(7), "capacity 10, lag 10m0s")
	}
	f.Fuzz(func(t *testing.T, x, y float64, at int64, raw int, seed uint64, name string) {
		m := randShadow(rand.New(rand.NewPCG(seed, 2)))
		m.Demand, m.Own.Cost, m.At, m.Target = x, y, at, name
		m.Steps.Wobble = append(m.Steps.Wobble, x, y, x*y, x/3)
		m.HPAs = append(m.HPAs, HPARun{Events: y, Window: []Rec{{At: at, Raw: raw}}})
		file := File{Version: Version, Targets: map[string]Target{"a": {Shadow: m}, "b": {Shadow: randShadow(rand.New(rand.NewPCG(seed, 3)))}}}
		want, jerr := json.Marshal(file)
		s, err := New(t.TempDir())
		require.NoError(t, err)
		var got bytes.Buffer
		err = s.encode(bufio.NewWriter(&got), file)
		require.Equal(t, jerr == nil, err == nil, "%v %v", jerr, err)
		if err == nil {
			require.Equal(t, string(want), got.String())
		}
	})
}

// TestAppendShadowWritesEveryField: with every field of the memory set
// (and every slice holding values), appendShadow writes what json.Marshal
// does, so a field added to Shadow or to the types it holds fails here
// until appendShadow writes it; and Shadow stays Target's last field,
// where writeTarget puts it.
func TestAppendShadowWritesEveryField(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 3))
	var fill func(v reflect.Value)
	fill = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Struct:
			if v.Type() == reflect.TypeFor[policy.State]() { // json.Marshal's, passed in
				v.Set(reflect.ValueOf(policy.State{LastDesired: 2, HasLast: true, Forgone: 0.5}))
				return
			}
			for i := range v.NumField() {
				fill(v.Field(i))
			}
		case reflect.Slice:
			s := reflect.MakeSlice(v.Type(), 1+rng.IntN(3), 3)
			for i := range s.Len() {
				fill(s.Index(i))
			}
			v.Set(s)
		case reflect.Int, reflect.Int64:
			v.SetInt(1 + rng.Int64N(1e9))
		case reflect.Float64:
			v.SetFloat(0.5 + rng.Float64()*1e4)
		case reflect.Bool:
			v.SetBool(true)
		case reflect.String:
			v.SetString("capacity 10, lag 10m0s")
		default:
			t.Fatalf("%s: a %s field; appendShadow (and this test) must write it", v.Type(), v.Kind())
		}
	}
	for range 20 {
		var m Shadow
		fill(reflect.ValueOf(&m).Elem())
		want, err := json.Marshal(&m)
		require.NoError(t, err)
		fc, err := json.Marshal(m.FcPolicy)
		require.NoError(t, err)
		got, ok := appendShadow(nil, &m, fc)
		require.True(t, ok)
		require.Equal(t, string(want), string(got))
	}
	tt := reflect.TypeFor[Target]()
	require.Equal(t, "Shadow", tt.Field(tt.NumField()-1).Name, "writeTarget writes the shadow runs' memory last")
}
