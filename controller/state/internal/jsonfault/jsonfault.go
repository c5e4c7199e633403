// Package jsonfault says where in a JSON document that json.Unmarshal
// refused the fault is, in the document's terms: the JSON path of the
// value, its line, column and byte offset, what it should hold and what
// it holds (the state file's load errors; controller/state).
package jsonfault

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/prescale/prescale/internal/redact"
)

// Describe says where in the document b, which json.Unmarshal refused
// with err, the fault is and what was wanted there, in terms of the
// document: the JSON path of the value (targets["web"].cost_today), its
// line, column and byte offset, what it should hold and what it holds.
// decode is json.Unmarshal of a document into the value b was read into
// (it is tried on parts of b). encoding/json named Go types ("Go struct
// field File.targets.plainTarget.cost_today of type float64") or, for a
// time or a packed history, no field at all.
func Describe(b []byte, err error, decode func([]byte) error) string {
	var syn *json.SyntaxError
	switch {
	case len(bytes.TrimSpace(b)) == 0:
		return "the file is empty"
	case errors.As(err, &syn) && syn.Offset >= int64(len(b)) && syn.Error() == unexpectedEnd:
		return fmt.Sprintf("cut short: its JSON ends unfinished at %s", position(b, int64(len(b))))
	case errors.As(err, &syn):
		return fmt.Sprintf("not JSON at %s: %s", position(b, max(syn.Offset-1, 0)), syn.Error())
	}
	// White space around the document is not part of its value: a file
	// edited by hand ends with a newline, and locate read {"\n" for the
	// kind of "{...}\n" and named the whole file ("unexpected end of JSON
	// input, got an object").
	lead := len(b) - len(bytes.TrimLeft(b, " \t\r\n"))
	l := locate(located{raw: bytes.TrimRight(b[lead:], " \t\r\n"), at: int64(lead)}, decode, 0)
	where := "the file"
	if l.path != "" {
		where = redact.CutQuoted(l.path, redact.MaxEchoed) // a target's 3,000-byte name was quoted whole
	}
	return fmt.Sprintf("%s (%s): %s, got %s", where, position(b, l.at), wantOf(l.err), gotOf(l.raw))
}

// unexpectedEnd is encoding/json's syntax error for a document that ends
// unfinished (its offset the document's length, as for a bad last byte:
// "{\"a\":}" was said to be cut short).
const unexpectedEnd = "unexpected end of JSON input"

// maxLocateDepth bounds locate's descent (the state file's values are
// nested six deep at most).
const maxLocateDepth = 24

// located is a value of the file locate found at fault.
type located struct {
	path string // its JSON path: targets["web"].cost_today
	at   int64  // its byte offset in the file
	err  error  // the error the file with it alone was refused with
	raw  []byte // the value
}

// locate finds the deepest value of raw (the value at l.path, l.at of the
// file) that try refuses alone, try being json.Unmarshal of the whole
// file with its argument in place of raw: the child of an object or list
// that is refused alone; else raw itself when its kind is (an empty
// object or list refused) or, of an object none of whose children is
// refused alone, the scalar field its type error names (a shadow memory's
// packed runs, read by its version), or raw.
func locate(l located, try func([]byte) error, depth int) located {
	raw := l.raw
	if l.err = try(raw); l.err == nil || depth >= maxLocateDepth || len(raw) == 0 || raw[0] != '{' && raw[0] != '[' {
		return l
	}
	if err := try([]byte{raw[0], raw[len(raw)-1]}); err != nil { // {} or []: the kind is refused
		l.err = err
		return l
	}
	named := l
	var ute *json.UnmarshalTypeError
	field := ""
	if errors.As(l.err, &ute) && raw[0] == '{' {
		field = ute.Field[strings.LastIndexByte(ute.Field, '.')+1:]
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	_, _ = dec.Token() // raw is valid JSON: the whole file was
	for i := 0; dec.More(); i++ {
		child, wrap := l.path+fmt.Sprintf("[%d]", i), func(sub []byte) []byte { return concat("[", sub, "]") }
		if raw[0] == '{' {
			tok, err := dec.Token()
			key, ok := tok.(string)
			if err != nil || !ok {
				return l
			}
			k, _ := json.Marshal(key)
			child, wrap = l.path+keyPath(l.path, key), func(sub []byte) []byte { return concat("{"+string(k)+":", sub, "}") }
			if key == field {
				named.path = child
			}
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return l
		}
		c := located{path: child, at: l.at + dec.InputOffset() - int64(len(v)), raw: v}
		tryChild := func(sub []byte) error { return try(wrap(sub)) }
		if tryChild(v) != nil {
			return locate(c, tryChild, depth+1)
		}
		if named.path == child {
			named.at, named.raw = c.at, c.raw
		}
	}
	return named
}

// concat is head, sub and tail in one new slice.
func concat(head string, sub []byte, tail string) []byte {
	out := make([]byte, 0, len(head)+len(sub)+len(tail))
	return append(append(append(out, head...), sub...), tail...)
}

// timeType is time.Time's type.
var timeType = reflect.TypeFor[time.Time]()

var plainKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// keyPath is key's part of a JSON path: .key, or ["key"] for a key of
// "targets" (the state file's target names), a key that is not a plain
// word and one longer than redact.MaxEchoed (Describe cuts it quoted: a
// 300-byte actuator name of acked was repeated whole).
func keyPath(parent, key string) string {
	if parent == "targets" || !plainKey.MatchString(key) || len(key) > redact.MaxEchoed {
		k, _ := json.Marshal(key)
		return "[" + string(k) + "]"
	}
	if parent == "" {
		return key
	}
	return "." + key
}

// position is offset off of b as an editor and a hex dump show it.
func position(b []byte, off int64) string {
	off = min(max(off, 0), int64(len(b)))
	line := 1 + bytes.Count(b[:off], []byte("\n"))
	col := off - int64(bytes.LastIndexByte(b[:off], '\n'))
	return fmt.Sprintf("line %d, column %d, byte offset %d", line, col, off)
}

// wantOf says what the value err refused should hold.
func wantOf(err error) string {
	var ute *json.UnmarshalTypeError
	var pe *time.ParseError
	switch {
	case err == nil:
		return "want a value that fits with the rest"
	case errors.As(err, &ute):
		return "want " + kindOf(ute.Type)
	case errors.As(err, &pe) || strings.HasPrefix(err.Error(), "Time.UnmarshalJSON"):
		return "want a time such as " + time.Date(2026, 12, 7, 4, 30, 0, 0, time.UTC).Format(time.RFC3339)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// kindOf names what JSON value a Go type reads.
func kindOf(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return "a time"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uintptr:
		return "a whole number"
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return "a number"
	case t.Kind() == reflect.String:
		return "a string"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		return "a list"
	}
	return "an object"
}

// gotOf describes the value raw: its kind, or a scalar's first 40 bytes.
func gotOf(raw []byte) string {
	switch {
	case len(raw) == 0:
		return "nothing"
	case raw[0] == '{':
		return "an object"
	case raw[0] == '[':
		return "a list"
	case len(raw) > 40:
		return fmt.Sprintf("%s...", raw[:40])
	}
	return string(raw)
}
