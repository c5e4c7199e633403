package openapi

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

const doc = `
openapi: 3.1.0
info: {title: t, version: 1.2.3}
paths:
  /a:
    get:
      responses:
        "200":
          content:
            application/json:
              schema: {$ref: "#/components/schemas/A"}
        "400": {$ref: "#/components/responses/Bad"}
    post:
      responses: {}
components:
  responses:
    Bad:
      content:
        application/json:
          schema: {type: object, required: [error], additionalProperties: false, properties: {error: {type: string}}}
  schemas:
    Time: {type: string, format: date-time}
    A:
      type: object
      required: [n, t, list]
      additionalProperties: false
      properties:
        n: {type: integer}
        t: {$ref: "#/components/schemas/Time"}
        maybe: {type: [number, "null"]}
        mode: {type: string, enum: [act, forecast-only]}
        list: {type: array, items: {type: string}}
        stats: {type: object, additionalProperties: {type: integer}}
`

func TestValidate(t *testing.T) {
	d, err := Parse([]byte(doc))
	require.NoError(t, err)
	require.Equal(t, "1.2.3", d.Version())
	require.Equal(t, []string{"GET /a", "POST /a"}, d.Operations())
	_, ok := d.ResponseSchema("GET", "/a", 500, "application/json")
	require.False(t, ok, "undocumented status")
	bad, ok := d.ResponseSchema("GET", "/a", 400, "application/json")
	require.True(t, ok, "a $ref response")
	require.NoError(t, d.Validate(bad, map[string]any{"error": "x"}))

	for _, tc := range []struct{ json, err string }{
		{`{"n":1,"t":"2026-03-02T12:00:00Z","list":["a"],"maybe":null,"mode":"act","stats":{"x":2}}`, ""},
		{`{"n":1.5,"t":"2026-03-02T12:00:00Z","list":[]}`, "$.n: a JSON number, want integer"},
		{`{"n":1,"t":"2026-03-02T13:00:00+01:00","list":[]}`, "$.t: \"2026-03-02T13:00:00+01:00\" is not an RFC 3339 time in UTC"},
		{`{"n":1,"t":1772452800,"list":[]}`, "$.t: a JSON integer, want string"},
		{`{"n":1,"t":"2026-03-02T12:00:00Z"}`, `$: required field "list" is missing`},
		{`{"n":1,"t":"2026-03-02T12:00:00Z","list":[],"extra":1}`, `$: field "extra" is not in the document`},
		{`{"n":1,"t":"2026-03-02T12:00:00Z","list":[1]}`, "$.list[0]: a JSON integer, want string"},
		{`{"n":1,"t":"2026-03-02T12:00:00Z","list":[],"mode":"maybe"}`, "$.mode: maybe is not one of [act forecast-only]"},
		{`{"n":1,"t":"2026-03-02T12:00:00Z","list":[],"stats":{"x":"y"}}`, "$.stats.x: a JSON string, want integer"},
	} {
		var v any
		require.NoError(t, json.Unmarshal([]byte(tc.json), &v))
		err := d.Validate(d.Schema("A"), v)
		if tc.err == "" {
			require.NoError(t, err, tc.json)
		} else {
			require.EqualError(t, err, tc.err, tc.json)
		}
	}
}

func TestParseRejectsOtherDocuments(t *testing.T) {
	_, err := Parse([]byte("swagger: '2.0'\n"))
	require.Error(t, err)
}
