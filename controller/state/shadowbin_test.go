package state

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
	"unicode/utf8"

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
// appendShadow, is json.Marshal's bytes for it (its MarshalJSON), over
// random memories (of versions 0 to 2: those not ShadowVersion written
// as version 1's JSON) and the full one of the benchmark's fleet.
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
		back, err := s.Load()
		require.NoError(t, err)
		for name, tg := range f.Targets {
			requireSameShadow(t, tg.Shadow, back.Targets[name].Shadow)
		}
	}
}

// requireSameShadow: got is want, every number to the bit (NaN too):
// their JSON is the same (the runs packed exactly). A target name that
// is not UTF-8 is compared as JSON reads it back.
func requireSameShadow(t *testing.T, want, got *Shadow) {
	t.Helper()
	if want != nil && !utf8.ValidString(want.Target) {
		w := *want
		b, err := json.Marshal(w.Target)
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(b, &w.Target))
		want = &w
	}
	a, err := json.Marshal(want)
	require.NoError(t, err)
	b, err := json.Marshal(got)
	require.NoError(t, err)
	require.Equal(t, string(a), string(b))
}

// TestSaveKeepsShadowNaN: a memory holding a number JSON cannot write is
// saved (packed: every bit of it) with the rest of the state, and dropped
// when loaded (the runs start afresh). Version 1 wrote numbers as JSON:
// such a memory failed every save, the whole state file left unsaved.
func TestSaveKeepsShadowNaN(t *testing.T) {
	s, err := New(t.TempDir())
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
		require.NoError(t, s.Save(g))
		back, err := s.Load()
		require.NoError(t, err)
		got := back.Targets["service-0001"]
		requireSameShadow(t, tg.Shadow, got.Shadow)
		require.Equal(t, []string{"shadow memory a number not finite or negative: dropped (the shadow runs start afresh)"}, got.Sanitize(1, 100))
		require.Nil(t, got.Shadow)
		other := back.Targets["service-0000"]
		require.Empty(t, other.Sanitize(1, 100))
		requireSameShadow(t, g.Targets["service-0000"].Shadow, other.Shadow)
	}
}

// FuzzShadowJSON: appendShadow writes any memory as json.Marshal does,
// and it reads back the same, every number to the bit.
func FuzzShadowJSON(f *testing.F) {
	for _, x := range oddFloats {
		f.Add(x, -x, int64(1796580000), 3, uint64(7), "capacity 10, lag 10m0s")
	}
	f.Add(math.NaN(), math.Inf(1), int64(math.MinInt64), -1, uint64(8), "<a>")
	// One store and writer per fuzzing process (each runs the function
	// serially): a directory made and removed for every input was most
	// of its time.
	s, err := New(f.TempDir())
	require.NoError(f, err)
	var got bytes.Buffer
	w := bufio.NewWriter(&got)
	f.Fuzz(func(t *testing.T, x, y float64, at int64, raw int, seed uint64, name string) {
		m := randShadow(rand.New(rand.NewPCG(seed, 2)))
		m.Version = ShadowVersion
		m.Demand, m.Own.Cost, m.At, m.Target = x, y, at, name
		m.Steps.Wobble = append(m.Steps.Wobble, x, y, x*y, x/3)
		m.HPAs = append(m.HPAs, HPARun{Events: y, LastEvent: -at, Window: []Rec{{At: at, Raw: raw}, {At: -at, Raw: -raw}}})
		file := File{Version: Version, Targets: map[string]Target{"a": {Shadow: m}, "b": {Shadow: randShadow(rand.New(rand.NewPCG(seed, 3)))}}}
		want, jerr := json.Marshal(file)
		got.Reset()
		w.Reset(&got)
		err := s.encode(w, file)
		require.Equal(t, jerr == nil, err == nil, "%v %v", jerr, err)
		if err != nil {
			return
		}
		require.Equal(t, string(want), got.String())
		var back File
		require.NoError(t, json.Unmarshal(got.Bytes(), &back))
		requireSameShadow(t, m, back.Targets["a"].Shadow)
	})
}

// FuzzShadowRuns: any packed runs of a version 2 memory either read (and
// written again read the same, written the same) or leave the memory
// unresumable, its runs written back as they were read; the file loads
// either way. Never a panic, never a list longer than the bytes hold.
func FuzzShadowRuns(f *testing.F) {
	full, _ := json.Marshal(benchShadow(1))
	var h shadowHead
	if err := json.Unmarshal(full, &h); err != nil {
		f.Fatal(err)
	}
	for _, m := range []*Shadow{benchShadow(1), {Version: ShadowVersion}, {Version: ShadowVersion, HPAs: []HPARun{}, Steps: Steps{Wobble: []float64{}}}} {
		b, _ := json.Marshal(m)
		var h shadowHead
		if err := json.Unmarshal(b, &h); err != nil {
			f.Fatal(err)
		}
		raw, _ := base64.RawStdEncoding.DecodeString(h.Runs)
		f.Add(raw)
	}
	f.Add([]byte{})
	f.Add([]byte{0x80, 0x80, 0x80})
	f.Fuzz(func(t *testing.T, raw []byte) {
		in := fmt.Sprintf(`{"version":2,"target":"x","at":1000,"forecaster_policy":{"last_desired":3},"runs":%q}`, base64.RawStdEncoding.EncodeToString(raw))
		var m Shadow
		require.NoError(t, json.Unmarshal([]byte(in), &m))
		out, err := json.Marshal(&m)
		require.NoError(t, err)
		if m.bad != "" {
			require.Equal(t, in, string(out), "written back as read")
			require.Equal(t, m.bad, m.problem(1, 10))
			return
		}
		require.Equal(t, 3, m.FcPolicy.LastDesired)
		var again Shadow
		require.NoError(t, json.Unmarshal(out, &again))
		require.Empty(t, again.bad)
		out2, err := json.Marshal(&again)
		require.NoError(t, err)
		require.Equal(t, string(out), string(out2))
	})
}

// TestShadowPacksEveryField: with every field of the memory set (and
// every slice holding values), what appendShadow writes reads back as
// it was, so a field added to Shadow or to the types it holds fails here
// until pack and unpack hold it; and Shadow stays Target's last field,
// where writeTarget puts it.
func TestShadowPacksEveryField(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 3))
	var fill func(v reflect.Value)
	fill = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Struct:
			if v.Type() == reflect.TypeFor[policy.State]() { // encoding/json's
				v.Set(reflect.ValueOf(policy.State{LastDesired: 2, HasLast: true, Forgone: 0.5}))
				return
			}
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					fill(v.Field(i))
				}
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
			t.Fatalf("%s: a %s field; pack, unpack (and this test) must hold it", v.Type(), v.Kind())
		}
	}
	for range 20 {
		var m Shadow
		fill(reflect.ValueOf(&m).Elem())
		m.Version = ShadowVersion
		b, err := json.Marshal(&m)
		require.NoError(t, err)
		var back Shadow
		require.NoError(t, json.Unmarshal(b, &back))
		require.Equal(t, m, back)
	}
	tt := reflect.TypeFor[Target]()
	require.Equal(t, "Shadow", tt.Field(tt.NumField()-1).Name, "writeTarget writes the shadow runs' memory last")
}

// TestLoadsShadowVersion1: a state file the previous version wrote
// (testdata/controller-state-v1-shadow-v1.json, written by its Save: the
// shadow runs' memory as version 1's JSON) loads as it was saved, its
// memories are kept by Sanitize (resumed: the same fields), and saved
// again it loads the same; a memory the engine makes now is written
// packed (version 2), a third of the size.
func TestLoadsShadowVersion1(t *testing.T) {
	old, err := os.ReadFile(filepath.Join("testdata", "controller-state-v1-shadow-v1.json"))
	require.NoError(t, err)
	require.Contains(t, string(old), `"shadow":{"version":1,"target":"","at":1000,"started":400,`)
	s, f := loadWritten(t, old)
	want := goodShadow()
	want.Version = 1
	want.FcPolicy.Recent[0].At = want.FcPolicy.Recent[0].At.UTC()
	web := f.Targets["web"]
	require.Equal(t, want, *web.Shadow)
	require.Equal(t, &Calm{Version: CalmVersion, At: 1000, On: true, Since: 400, Events: []int64{500, 900}, Wanted: []int{3, 4}}, web.Calm)
	require.Empty(t, web.sanitizeMemories(1, 10), "kept: resumed")
	fresh := f.Targets["fresh"]
	full := benchShadow(1)
	full.Version = 1
	requireSameShadow(t, full, fresh.Shadow)
	require.Empty(t, fresh.sanitizeMemories(1, 100))

	require.NoError(t, s.Save(f))
	again, err := s.Load()
	require.NoError(t, err)
	require.Equal(t, f, again)

	fresh.Shadow.Version = ShadowVersion // as the engine makes it
	v1, err := json.Marshal(full)
	require.NoError(t, err)
	v2, err := json.Marshal(fresh.Shadow)
	require.NoError(t, err)
	require.Less(t, len(v2)*2, len(v1), "version 2: %d bytes, version 1: %d", len(v2), len(v1))
}
