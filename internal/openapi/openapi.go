// Package openapi reads the REST API's OpenAPI 3.1 document
// (controller/api/openapi.yaml) and checks JSON values against its schemas,
// for the tests that hold the document, the router and the answers to each
// other. It implements the part of JSON Schema the document uses: $ref,
// type (with "null"), const, enum, required, properties,
// additionalProperties, items and format date-time (RFC 3339 in UTC).
package openapi

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Doc is a parsed OpenAPI document.
type Doc struct {
	root map[string]any
}

// Load reads the document at path.
func Load(path string) (*Doc, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(b)
}

// Parse parses a document.
func Parse(b []byte) (*Doc, error) {
	var root map[string]any
	if err := yaml.Unmarshal(b, &root); err != nil {
		return nil, err
	}
	if v, _ := root["openapi"].(string); !strings.HasPrefix(v, "3.") {
		return nil, fmt.Errorf("not an OpenAPI 3 document (openapi: %q)", v)
	}
	return &Doc{root: root}, nil
}

// Version is info.version.
func (d *Doc) Version() string {
	info, _ := d.root["info"].(map[string]any)
	v, _ := info["version"].(string)
	return v
}

var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// Operations lists "METHOD /path" for every operation, sorted.
func (d *Doc) Operations() []string {
	var out []string
	paths, _ := d.root["paths"].(map[string]any)
	for p, item := range paths {
		ops, _ := item.(map[string]any)
		for m := range ops {
			if slices.Contains(methods, m) {
				out = append(out, strings.ToUpper(m)+" "+p)
			}
		}
	}
	sort.Strings(out)
	return out
}

// ResponseSchema is the schema of the answer to method on path with the
// given status and media type; ok is false when the document has none.
func (d *Doc) ResponseSchema(method, path string, status int, mediaType string) (schema map[string]any, ok bool) {
	paths, _ := d.root["paths"].(map[string]any)
	item, _ := paths[path].(map[string]any)
	op, _ := item[strings.ToLower(method)].(map[string]any)
	resps, _ := op["responses"].(map[string]any)
	resp, _ := d.resolve(asMap(resps[strconv.Itoa(status)]))
	content, _ := resp["content"].(map[string]any)
	media, _ := content[mediaType].(map[string]any)
	schema, ok = media["schema"].(map[string]any)
	return schema, ok
}

// Schema is the component schema name, for Validate.
func (d *Doc) Schema(name string) map[string]any {
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

// ObjectSchemasWithoutAdditionalProperties names the component schemas
// with properties whose additionalProperties is not false (so a field the
// document lacks would go unnoticed).
func (d *Doc) ObjectSchemasWithoutAdditionalProperties() []string {
	var out []string
	comps, _ := d.root["components"].(map[string]any)
	schemas, _ := comps["schemas"].(map[string]any)
	for name, s := range schemas {
		m := asMap(s)
		if _, has := m["properties"]; has && m["additionalProperties"] != false {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// resolve follows a local $ref ("#/a/b/c").
func (d *Doc) resolve(s map[string]any) (map[string]any, error) {
	for range 10 {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s, nil
		}
		var cur any = d.root
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			cur = asMap(cur)[part]
		}
		if cur == nil {
			return nil, fmt.Errorf("unresolved $ref %s", ref)
		}
		s = asMap(cur)
	}
	return nil, errors.New("$ref chain too long")
}

// Validate checks a decoded JSON value (encoding/json's any) against schema.
// The error names the first offending location.
func (d *Doc) Validate(schema map[string]any, v any) error {
	return d.validate(schema, v, "$")
}

func (d *Doc) validate(schema map[string]any, v any, at string) error {
	s, err := d.resolve(schema)
	if err != nil {
		return fmt.Errorf("%s: %w", at, err)
	}
	if err := checkType(s, v, at); err != nil {
		return err
	}
	if c, ok := s["const"]; ok && fmt.Sprint(c) != fmt.Sprint(v) {
		return fmt.Errorf("%s: %v, want the constant %v", at, v, c)
	}
	if enum, ok := s["enum"].([]any); ok && !slices.ContainsFunc(enum, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(v) }) {
		return fmt.Errorf("%s: %v is not one of %v", at, v, enum)
	}
	switch v := v.(type) {
	case string:
		if s["format"] == "date-time" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil || t.Location() != time.UTC || !strings.HasSuffix(v, "Z") {
				return fmt.Errorf("%s: %q is not an RFC 3339 time in UTC", at, v)
			}
		}
	case []any:
		items := asMap(s["items"])
		for i, e := range v {
			if items == nil {
				break
			}
			if err := d.validate(items, e, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
	case map[string]any:
		return d.validateObject(s, v, at)
	}
	return nil
}

func (d *Doc) validateObject(s, v map[string]any, at string) error {
	for _, r := range asSlice(s["required"]) {
		if _, ok := v[r.(string)]; !ok {
			return fmt.Errorf("%s: required field %q is missing", at, r)
		}
	}
	props := asMap(s["properties"])
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if ps, ok := props[k]; ok {
			if err := d.validate(asMap(ps), v[k], at+"."+k); err != nil {
				return err
			}
			continue
		}
		switch ap := s["additionalProperties"].(type) {
		case bool:
			if !ap {
				return fmt.Errorf("%s: field %q is not in the document", at, k)
			}
		case map[string]any:
			if err := d.validate(ap, v[k], at+"."+k); err != nil {
				return err
			}
		}
	}
	return nil
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

// checkType checks the JSON Schema type (a name or a list of names).
func checkType(s map[string]any, v any, at string) error {
	var types []string
	switch t := s["type"].(type) {
	case nil:
		return nil
	case string:
		types = []string{t}
	case []any:
		for _, e := range t {
			types = append(types, e.(string))
		}
	}
	got := jsonType(v)
	for _, t := range types {
		if t == got || (t == "number" && got == "integer") {
			return nil
		}
	}
	return fmt.Errorf("%s: a JSON %s, want %s", at, got, strings.Join(types, " or "))
}

func jsonType(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		if v == float64(int64(v)) {
			return "integer"
		}
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}
