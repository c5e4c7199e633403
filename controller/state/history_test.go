package state

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state/internal/histenc"
	"github.com/prescale/prescale/internal/testkit"
)

// everyField is n decisions with every field of policy.Decision set
// (through reflection, so a field added later is set too) to a value of
// its own, but for the optional objects of every third (nil), and times
// in UTC, the local zone and zones of other offsets.
func everyField(t *testing.T, n int) []policy.Decision {
	t.Helper()
	require.NoError(t, histenc.Packable(), "every field of policy.Decision has a column")
	ds := make([]policy.Decision, n)
	for i := range ds {
		var k int
		setEvery(reflect.ValueOf(&ds[i]).Elem(), i, &k)
	}
	return ds
}

// setEvery sets every field the history has a column for of struct v,
// of decision i, to a value of its own; k counts the columns before
// (the fields of an optional object left nil are counted too).
func setEvery(v reflect.Value, i int, k *int) {
	zones := []*time.Location{time.UTC, time.Local, time.FixedZone("", 5*3600+1800), time.FixedZone("", -3*3600)}
	base := time.Date(2026, 12, 6, 18, 0, 0, 123456789, time.UTC)
	for f := range v.NumField() {
		sf := v.Type().Field(f)
		if name, _, _ := strings.Cut(sf.Tag.Get("json"), ","); !sf.IsExported() || name == "-" {
			continue
		}
		fv, c := v.Field(f), *k
		if sf.Type.Kind() != reflect.Struct || sf.Type == reflect.TypeFor[time.Time]() {
			*k++ // a struct's fields have the columns, a time and the rest one each
		}
		switch kind := sf.Type.Kind(); {
		case sf.Type == reflect.TypeFor[time.Time]():
			at := base.Add(time.Duration(i)*15*time.Second + time.Duration(c*i)*time.Millisecond + time.Duration(i*c))
			if (i+c)%6 == 5 {
				at = time.Time{}
			}
			fv.Set(reflect.ValueOf(at.In(zones[(i+c)%len(zones)])))
		case kind == reflect.Pointer:
			obj := reflect.New(sf.Type.Elem())
			if i%3 != 2 {
				fv.Set(obj)
			}
			setEvery(obj.Elem(), i, k)
		case kind == reflect.Struct:
			setEvery(fv, i, k)
		case kind == reflect.Float64:
			fv.SetFloat([]float64{math.Pi * float64(i+c), -1e-300, math.Copysign(0, -1), 1e300, 0.1}[(i+c)%5])
		case kind == reflect.Bool:
			fv.SetBool((i+c)%2 == 0)
		case kind == reflect.String:
			fv.SetString([]string{"forecast", "", "mean(ridge_log,holt_winters)", "é <&> \"x\""}[(i+c)%4])
		default:
			fv.SetInt(int64((i + c) % 7 * (1 - 2*(c%2)))) // negative too, 0 sometimes
		}
	}
}

// TestHistoryKeepsEveryField: every field of every decision, and what the
// API serves of them (their JSON), reads back from the file exactly as
// when the file held them in JSON.
func TestHistoryKeepsEveryField(t *testing.T) {
	s, err := New(t.TempDir())
	require.NoError(t, err)
	ds := everyField(t, 20)
	f := File{Version: Version, Targets: map[string]Target{"web": {Decisions: ds}, "one": {Decisions: ds[:1]}}}
	require.NoError(t, s.Save(f))
	raw, err := os.ReadFile(s.Path())
	require.NoError(t, err)
	require.Contains(t, string(raw), `"history":"`, "the older decisions packed")
	got, err := s.Load()
	require.NoError(t, err)
	require.Equal(t, testkit.ViaJSON(t, ds), got.Targets["web"].Decisions)
	require.Equal(t, testkit.ViaJSON(t, ds[:1]), got.Targets["one"].Decisions)
	want, err := json.Marshal(ds)
	require.NoError(t, err)
	served, err := json.Marshal(got.Targets["web"].Decisions)
	require.NoError(t, err)
	require.JSONEq(t, string(want), string(served))
}

// TestHistoryIsCompact: 20 decisions of a running controller (times in
// nanoseconds, numbers of full precision) weighed 15.5 KB a target in
// JSON, 69 % of the state file at 1,000 targets (BenchmarkSave1000Targets);
// packed they weigh 3.7 KB.
func TestHistoryIsCompact(t *testing.T) {
	f := fleetFile(50)
	var all, without int
	for _, tg := range f.Targets {
		js, err := json.Marshal(tg)
		require.NoError(t, err)
		all += len(js)
		tg.Decisions = nil
		js, err = json.Marshal(tg)
		require.NoError(t, err)
		without += len(js)
	}
	perTarget := (all - without) / len(f.Targets)
	require.Less(t, perTarget, 4500, "bytes of 20 decisions a target")
}

// TestOlderControllerReadsNewestDecision: a controller of an earlier
// version (rolled back) reads the file; its decisions, a JSON list there,
// are the newest decision, whole (its "history" is a field it does not
// know: ignored).
func TestOlderControllerReadsNewestDecision(t *testing.T) {
	s, err := New(t.TempDir())
	require.NoError(t, err)
	f := fleetFile(2)
	require.NoError(t, s.Save(f))
	raw, err := os.ReadFile(s.Path())
	require.NoError(t, err)
	var old struct {
		Version int `json:"version"`
		Targets map[string]struct {
			Policy    policy.State      `json:"policy"`
			Decisions []policy.Decision `json:"decisions"`
		} `json:"targets"`
	}
	require.NoError(t, json.Unmarshal(raw, &old))
	require.Equal(t, Version, old.Version)
	for name, tg := range f.Targets {
		n := len(tg.Decisions)
		require.Equal(t, testkit.ViaJSON(t, tg.Decisions[n-1:]), old.Targets[name].Decisions, name)
		require.Equal(t, tg.Policy, old.Targets[name].Policy, name)
	}
}

// TestLoadsFileOfEarlierVersion: a state file written by a controller of
// an earlier version (cba700c: prescale run, two targets, 20 decisions
// each in JSON) loads with every decision as it was written; saved again
// the older decisions are packed, the file is smaller, and it loads the
// same.
func TestLoadsFileOfEarlierVersion(t *testing.T) {
	old, err := os.ReadFile(filepath.Join("testdata", "controller-state-cba700c.json"))
	require.NoError(t, err)
	var written struct {
		Targets map[string]struct {
			Decisions json.RawMessage `json:"decisions"`
		} `json:"targets"`
	}
	require.NoError(t, json.Unmarshal(old, &written))
	s, f := loadWritten(t, old)
	require.Len(t, f.Targets, 2)
	for name, tg := range f.Targets {
		require.Len(t, tg.Decisions, 20, name)
		js, err := json.Marshal(tg.Decisions)
		require.NoError(t, err)
		require.JSONEq(t, string(written.Targets[name].Decisions), string(js), name)
	}
	require.NoError(t, s.Save(f))
	packed, err := os.ReadFile(s.Path())
	require.NoError(t, err)
	require.Equal(t, 2, strings.Count(string(packed), `"history":"`))
	require.Less(t, len(packed), len(old)*3/4, "the file shrinks")
	again, err := s.Load()
	require.NoError(t, err)
	require.Equal(t, f, again)
}

// TestHistoryOfAnotherVersion: a packed history of another version (a
// newer controller's) is not read, the newest decision is; one that
// cannot be read refuses the file, as decisions that are not a list do.
func TestHistoryOfAnotherVersion(t *testing.T) {
	ds := everyField(t, 3)
	packed, _ := histenc.Append(nil, nil, ds[:2])
	newest, err := json.Marshal(ds[2:])
	require.NoError(t, err)
	file := func(hist []byte) string {
		return `{"version":1,"targets":{"web":{"decisions":` + string(newest) + `,"history":"` + base64.RawStdEncoding.EncodeToString(hist) + `"}}}`
	}
	load := func(js string) (File, error) {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, FileName), []byte(js), 0o600))
		s, err := New(dir)
		require.NoError(t, err)
		return s.Load()
	}
	f, err := load(file(packed))
	require.NoError(t, err)
	require.Equal(t, testkit.ViaJSON(t, ds), f.Targets["web"].Decisions)
	require.False(t, f.Targets["web"].historyUnread)

	other := append([]byte{packed[0] + 1}, packed[1:]...) // the version byte
	f, err = load(file(other))
	require.NoError(t, err)
	require.Equal(t, testkit.ViaJSON(t, ds[2:]), f.Targets["web"].Decisions, "the newest decision alone")
	require.True(t, f.Targets["web"].historyUnread, "not the whole record (MarkStartup)")

	for name, bad := range map[string][]byte{
		"truncated": packed[:len(packed)-3],
		"trailing":  append(packed[:len(packed):len(packed)], 7),
		"no count":  packed[:1],
	} {
		_, err := load(file(bad))
		require.ErrorContains(t, err, "history", name)
		require.ErrorContains(t, err, "move it aside", name)
	}
	_, err = load(`{"version":1,"targets":{"web":{"history":"!!"}}}`)
	require.ErrorContains(t, err, "history: not base64")
}

// FuzzHistory: any packed history either reads, and then writes back
// (as the older decisions of a target whose newest is in JSON) to bytes
// that read the same; or it is refused with an error naming the history.
// Never a panic.
func FuzzHistory(f *testing.F) {
	if err := histenc.Packable(); err != nil {
		f.Fatal(err)
	}
	var packed []byte
	for _, ds := range [][]policy.Decision{fleetFile(1).Targets["service-0000"].Decisions, fixtureFile().Targets["web"].Decisions, {{}}} {
		packed, _ = histenc.Append(nil, nil, ds)
		f.Add(packed)
	}
	f.Add([]byte{packed[0], 3, 0x80}) // the version, 3 decisions, a varint cut short
	f.Fuzz(func(t *testing.T, raw []byte) {
		ds, err := histenc.Read(base64.RawStdEncoding.EncodeToString(raw))
		if err != nil {
			if !errors.Is(err, histenc.ErrVersion) {
				require.ErrorContains(t, err, "history")
			}
			return
		}
		newest := policy.Decision{Desired: 3, Explanation: policy.Explanation{Now: time.Unix(1e9, 5).UTC()}}
		tg := Target{Decisions: append(ds, newest)}
		js, err := json.Marshal(tg)
		require.NoError(t, err)
		var back Target
		require.NoError(t, json.Unmarshal(js, &back))
		require.Equal(t, tg.Decisions, back.Decisions)
		js2, err := json.Marshal(back)
		require.NoError(t, err)
		require.Equal(t, string(js), string(js2))
	})
}
