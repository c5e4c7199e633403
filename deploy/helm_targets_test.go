package deploy

import (
	"encoding/json"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/internal/testkit"
)

// TestHelmSchemaTargetFields: values.schema.json lists exactly the fields
// of a targets file entry (policy.Target's yaml names) under
// controller.targets and refuses any other, so a misspelt field fails
// helm install naming it. It rendered, and the controller's pod then
// exited 2 at every start (CrashLoopBackOff) on "unknown field max_unit",
// and so on a quoted number or a lag in seconds: each field has the type
// the controller takes; kind and floor_mode list the values the
// controller accepts (policy.Kinds, policy.FloorModes), so "kind: cpus"
// fails helm install too.
func TestHelmSchemaTargetFields(t *testing.T) {
	var schema struct {
		Properties struct {
			Controller struct {
				Properties struct {
					Targets struct {
						Items struct {
							AdditionalProperties *bool                      `json:"additionalProperties"`
							Properties           map[string]json.RawMessage `json:"properties"`
						} `json:"items"`
					} `json:"targets"`
				} `json:"properties"`
			} `json:"controller"`
		} `json:"properties"`
	}
	require.NoError(t, json.Unmarshal(testkit.ReadFile(t, filepath.Join(chartDir, "values.schema.json")), &schema))
	items := schema.Properties.Controller.Properties.Targets.Items
	require.NotNil(t, items.AdditionalProperties, "controller.targets items: additionalProperties")
	require.False(t, *items.AdditionalProperties, "controller.targets items refuse unknown fields")
	var want []string
	rt := reflect.TypeFor[policy.Target]()
	for i := range rt.NumField() {
		tag, _, _ := strings.Cut(rt.Field(i).Tag.Get("yaml"), ",")
		if tag == "" || tag == "-" {
			continue
		}
		want = append(want, tag)
		// A quoted number or a duration in seconds (max_units: "40",
		// lag: 300) is refused by the controller: the schema refuses it
		// at install. Strings (names, queries, labels) take any scalar.
		var typ struct {
			Type string   `json:"type"`
			Enum []string `json:"enum"`
		}
		require.NoError(t, json.Unmarshal(items.Properties[tag], &typ), tag)
		// An enumerated field (a named string type: Kind, FloorMode) lists
		// exactly the values Validate accepts; a new one needs its list here.
		ft := rt.Field(i).Type
		if ft.Kind() == reflect.String && ft != reflect.TypeFor[string]() {
			values, ok := targetEnums[tag]
			require.True(t, ok, "policy.Target %s (%s) is enumerated: add its values to targetEnums", tag, ft)
			require.Equal(t, values, typ.Enum, "values.schema.json controller.targets %s: enum", tag)
		} else {
			require.Nil(t, typ.Enum, "values.schema.json controller.targets %s: enum", tag)
		}
		wantType := map[reflect.Kind]string{reflect.Int: "integer", reflect.Float64: "number", reflect.Bool: "boolean"}[rt.Field(i).Type.Kind()]
		if rt.Field(i).Type == reflect.TypeFor[time.Duration]() {
			wantType = "string"
		}
		require.Equal(t, wantType, typ.Type, "values.schema.json controller.targets %s: type", tag)
	}
	slices.Sort(want)
	require.Equal(t, want, slices.Sorted(maps.Keys(items.Properties)), "values.schema.json controller.targets fields: a targets file entry's")

	helm := lookHelm(t)
	_, stderr, err := helmTemplate(t, helm, "--set", "controller.targets[0].name=web,controller.targets[0].query=up,controller.targets[0].max_unit=5")
	require.Error(t, err)
	require.Contains(t, stderr, "at '/controller/targets/0': additional properties 'max_unit' not allowed")
	_, stderr, err = helmTemplate(t, helm, "--set-string", "controller.targets[0].name=web,controller.targets[0].query=up,controller.targets[0].max_units=40")
	require.Error(t, err)
	require.Contains(t, stderr, "at '/controller/targets/0/max_units': got string, want integer")
	_, stderr, err = helmTemplate(t, helm, "--set", "controller.targets[0].name=web,controller.targets[0].query=up,controller.targets[0].lag=300")
	require.Error(t, err)
	require.Contains(t, stderr, "at '/controller/targets/0/lag': got number, want string")
	_, stderr, err = helmTemplate(t, helm, "--set", "controller.targets[0].name=web,controller.targets[0].query=up,controller.targets[0].kind=cpus")
	require.Error(t, err)
	require.Contains(t, stderr, "at '/controller/targets/0/kind': value must be one of")
	_, stderr, err = helmTemplate(t, helm, "--set", "controller.targets[0].name=web,controller.targets[0].query=up,controller.targets[0].floor_mode=scaleup")
	require.Error(t, err)
	require.Contains(t, stderr, "at '/controller/targets/0/floor_mode': value must be one of")
	_, _, err = helmTemplate(t, helm, "--set", "controller.targets[0].name=web,controller.targets[0].query=up,controller.targets[0].kind=storage,controller.targets[0].floor_mode=hold")
	require.NoError(t, err)
}

// targetEnums holds the values of policy.Target's enumerated fields, from
// the lists Validate checks against.
var targetEnums = map[string][]string{
	"kind":       enumStrings(policy.Kinds()),
	"floor_mode": enumStrings(policy.FloorModes()),
}

// enumStrings converts the values of a named string type.
func enumStrings[S ~string](values []S) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}
