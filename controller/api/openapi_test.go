package api

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale"
	"github.com/prescale/prescale/controller/actuator/simulated"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/internal/openapi"
)

func loadOpenAPI(t *testing.T) *openapi.Doc {
	t.Helper()
	doc, err := openapi.Load("openapi.yaml")
	require.NoError(t, err)
	return doc
}

func TestOpenAPIDocument(t *testing.T) {
	doc := loadOpenAPI(t)
	require.Equal(t, prescale.Version(), doc.Version(), "info.version follows VERSION")
	require.Empty(t, doc.ObjectSchemasWithoutAdditionalProperties(),
		"object schemas must say additionalProperties (false, or a schema) so that an undocumented field fails")
}

// TestOpenAPISchemasMatchTypes fills every field of every answer type (so
// the omitempty ones appear too) and checks the JSON against its schema in
// both directions: a field the document lacks, or a required field the
// type does not produce, fails. Pointers are filled once set and once nil
// (null).
func TestOpenAPISchemasMatchTypes(t *testing.T) {
	doc := loadOpenAPI(t)
	types := map[string]any{
		"MetricsResponse": &MetricsResponse{}, "TargetMetrics": &TargetMetrics{}, "Point": &Point{},
		"Sample": &Sample{}, "Prediction": &Prediction{}, "ForecastPoint": &ForecastPoint{},
		"TargetStatus": &TargetStatus{}, "Decision": &Decision{}, "Override": &Override{},
		"ExecuteRequest": &ExecuteRequest{}, "StressRequest": &StressRequest{},
		"Health": &Health{}, "Component": &Component{}, "Actuation": &Actuation{},
		"Verification": &Verification{}, "SourceInfo": &SourceInfo{}, "TargetVerification": &TargetVerification{},
		"SimulatedPool": &struct {
			Simulated bool               `json:"simulated"`
			Pools     []simulated.Status `json:"pools"`
		}{},
	}
	for name, v := range types {
		for _, withPointers := range []bool{true, false} {
			rv := reflect.ValueOf(v).Elem()
			rv.SetZero()
			fillValue(rv, time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC), withPointers)
			switch v := v.(type) { // fields with a fixed set of values
			case *TargetStatus:
				v.Mode = "act"
				v.Decisions[0].Explanation.WantedBy = policy.WantedByForecast
			case *Decision:
				v.Explanation.WantedBy = policy.WantedByUsageWindow
			case *Health:
				v.Status = "degraded"
			}
			if f := rv.FieldByName("Simulated"); f.IsValid() && f.Kind() == reflect.Bool {
				f.SetBool(true)
			}
			b, err := json.Marshal(v)
			require.NoError(t, err, name)
			var decoded any
			require.NoError(t, json.Unmarshal(b, &decoded))
			require.NoError(t, doc.Validate(doc.Schema(name), decoded),
				"controller/api/openapi.yaml and the Go type disagree: document the field there (schema %s): %s", name, b)
		}
	}
}
