package api

import (
	"encoding/json"
	"reflect"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/actuator"
	"github.com/prescale/prescale/controller/policy"
)

func TestTimeJSON(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	for _, tc := range []struct {
		in   Time
		want string
	}{
		{Time{}, `null`},
		{TimeOf(time.Date(2026, 3, 2, 13, 4, 5, 0, paris)), `"2026-03-02T12:04:05Z"`},
		{TimeOf(time.Date(2026, 3, 2, 12, 4, 5, 250e6, time.UTC)), `"2026-03-02T12:04:05.25Z"`},
		{Unix(1_772_452_800), `"2026-03-02T12:00:00Z"`},
	} {
		b, err := json.Marshal(tc.in)
		require.NoError(t, err)
		require.JSONEq(t, tc.want, string(b))
		var back Time
		require.NoError(t, json.Unmarshal(b, &back))
		require.True(t, back.Equal(tc.in.Time), "%s round trip: %v", tc.want, back)
	}
	var bad Time
	require.Error(t, json.Unmarshal([]byte(`1772452800`), &bad), "unix seconds are not an API time")
}

// fill sets every field reachable from v: slices and maps get one element,
// pointers a value, numbers 1, strings "x", and every time.Time at.
func fill(v reflect.Value, at time.Time) { fillValue(v, at, true) }

// fillValue is fill; withPointers false leaves pointers nil.
func fillValue(v reflect.Value, at time.Time, withPointers bool) {
	switch {
	case v.Type() == reflect.TypeFor[time.Time]():
		v.Set(reflect.ValueOf(at))
		return
	case v.Kind() == reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fillValue(v.Field(i), at, withPointers)
			}
		}
	case v.Kind() == reflect.Pointer:
		if withPointers {
			v.Set(reflect.New(v.Type().Elem()))
			fillValue(v.Elem(), at, withPointers)
		}
	case v.Kind() == reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fillValue(v.Index(0), at, withPointers)
	case v.Kind() == reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fillValue(k, at, withPointers)
		fillValue(e, at, withPointers)
		m.SetMapIndex(k, e)
		v.Set(m)
	case v.CanInt():
		v.SetInt(1)
	case v.CanFloat():
		v.SetFloat(1)
	case v.Kind() == reflect.String:
		v.SetString("x")
	}
}

// TestEveryAnswerTimeIsRFC3339UTCOrNull fills every answer type, with every
// time field (the policy's and the actuator's included) first set in a
// non-UTC zone and then left zero: all of them must come out as RFC 3339 in
// UTC, or null, never the zero time. A time field added to any of these
// types without going through Time fails here.
func TestEveryAnswerTimeIsRFC3339UTCOrNull(t *testing.T) {
	answers := []any{
		&MetricsResponse{}, &Sample{}, &Prediction{}, &TargetStatus{}, &Health{}, &Verification{},
		&Decision{}, &Actuation{}, &Override{},
	}
	timeRE := regexp.MustCompile(`"\d{4}-\d\d-\d\dT[^"]*"`)
	for _, a := range answers {
		name := reflect.TypeOf(a).Elem().Name()
		v := reflect.ValueOf(a).Elem()

		fill(v, time.Date(2026, 3, 2, 13, 4, 5, 0, time.FixedZone("CET", 3600)))
		b, err := json.Marshal(a)
		require.NoError(t, err, name)
		times := timeRE.FindAllString(string(b), -1)
		require.NotEmpty(t, times, "%s: no time in %s", name, b)
		for _, s := range times {
			require.Equal(t, `"2026-03-02T12:04:05Z"`, s, "%s: %s", name, b)
		}

		v.SetZero()
		fill(v, time.Time{})
		b, err = json.Marshal(a)
		require.NoError(t, err, name)
		require.NotContains(t, string(b), "0001-01-01", "%s: the zero time leaked: %s", name, b)
		require.Contains(t, string(b), "null", "%s: a time without data must be null: %s", name, b)
	}
}

func TestDecisionKeepsThePolicyFields(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	d := policy.Decision{Desired: 3, Reason: policy.ReasonForecast, Raw: 4,
		Explanation: policy.Explanation{Now: now, WindowStart: now, WindowEnd: now.Add(6 * time.Minute), CurrentUnits: 2, Model: "ridge"}}
	plain, err := json.Marshal(d)
	require.NoError(t, err)
	wrapped, err := json.Marshal(Decision{d})
	require.NoError(t, err)
	require.JSONEq(t, string(plain), string(wrapped), "in UTC the policy's JSON and the API's agree field by field")

	s := actuator.Status{Target: "web", Desired: 2}
	plain, err = json.Marshal(s)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(plain, &m))
	wrapped, err = json.Marshal(Actuation{s})
	require.NoError(t, err)
	m["failing_since"], m["next_attempt"] = nil, nil
	want, err := json.Marshal(m)
	require.NoError(t, err)
	require.JSONEq(t, string(want), string(wrapped), "the actuator's fields, with its two times null")
}
