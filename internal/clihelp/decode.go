package clihelp

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/kelseyhightower/envconfig"
	"gopkg.in/yaml.v3"
)

// DecodeYAML decodes n into out, a pointer to a struct, as n.Decode(out)
// does but for its time.Duration fields, read as ParseDuration reads them
// (durationValue.UnmarshalYAML).
func DecodeYAML(n *yaml.Node, out any) error {
	if !structPointer(out) {
		return fmt.Errorf("clihelp: decoding YAML into %T, not a pointer to a struct", out)
	}
	m, err := mirrorFor(reflect.TypeOf(out), false, "")
	if err != nil {
		return err
	}
	return m.decode(out, n.Decode)
}

// ProcessEnv is envconfig.Process reading each field of spec (a pointer
// to a struct) from prefix_TAG only, a time.Duration field as
// ParseDuration reads it (durationValue.Set), a whole number in decimal
// only (decimalInts). The environment is only read.
//
// envconfig by itself falls back to TAG alone when prefix_TAG is unset, so
// a PROMETHEUS_URL, LOG_LEVEL, MODE or STEP set for another program in the
// same environment configured prescale (a PROMETHEUS_URL made
// prescale-controller read its history from that server, not its embedded
// store): envconfig is given no prefix and each field its whole name
// (envTag).
func ProcessEnv(prefix string, spec any) error {
	t := reflect.TypeOf(spec)
	if !structPointer(spec) {
		return envconfig.ErrInvalidSpecification
	}
	if err := decimalInts(prefix, t.Elem()); err != nil {
		return err
	}
	m, err := mirrorFor(t, true, prefix)
	if err != nil {
		return err
	}
	err = m.decode(spec, func(p any) error { return envconfig.Process("", p) })
	var pe *envconfig.ParseError
	if errors.As(err, &pe) {
		if f, ok := t.Elem().FieldByName(pe.FieldName); ok {
			pe.TypeName = f.Type.String() // time.Duration, not the mirror's durationValue: EnvError reads it
		}
	}
	return err
}

// envTag is the tag of a field in the struct envconfig.Process reads with
// no prefix: envconfig:"PREFIX_TAG", the one name it then reads, and the
// other keys envconfig reads (default, required, ignored). A field
// without an envconfig tag is PREFIX_NAME, as envconfig names it.
func envTag(prefix string, f reflect.StructField) reflect.StructTag {
	name := f.Tag.Get("envconfig")
	if name == "" {
		name = f.Name
	}
	if prefix != "" {
		name = prefix + "_" + name
	}
	tag := fmt.Sprintf("envconfig:%q", strings.ToUpper(name))
	for _, k := range []string{"default", "required", "ignored"} {
		if v, ok := f.Tag.Lookup(k); ok {
			tag += fmt.Sprintf(" %s:%q", k, v)
		}
	}
	return reflect.StructTag(tag)
}

// mirror is a struct type like a caller's but for its time.Duration
// fields, which are durationValues (the decoders then read them as
// ParseDuration does), and, for ProcessEnv, its tags (envTag). The
// caller's types stay time.Duration, and neither the environment nor the
// YAML is rewritten for the decoders. Field i of typ is the caller's
// field index[i]; unexported fields, which no decoder sets, are left out.
type mirror struct {
	typ   reflect.Type
	index []int
}

// mirrorKey is a mirror's original type (a pointer to a struct), whether
// its tags are envTag's (ProcessEnv's) and their prefix.
type mirrorKey struct {
	t      reflect.Type
	env    bool
	prefix string
}

// mirrors holds the mirrors made, one per mirrorKey: a targets file
// decodes each of its entries into one.
var mirrors sync.Map

// mirrorFor returns the mirror of t, a pointer to a struct, each field's
// tag its own or, with env, envTag(prefix, field). An embedded field is
// refused: envconfig and yaml.v3 read it as the fields of its type, which
// the mirror does not look into.
func mirrorFor(t reflect.Type, env bool, prefix string) (mirror, error) {
	key := mirrorKey{t, env, prefix}
	if m, ok := mirrors.Load(key); ok {
		return m.(mirror), nil
	}
	var m mirror
	var fields []reflect.StructField
	for i := range t.Elem().NumField() {
		f := t.Elem().Field(i)
		if f.Anonymous {
			return mirror{}, fmt.Errorf("clihelp: decoding into %v: embedded field %s", t, f.Name)
		}
		if !f.IsExported() {
			continue
		}
		if f.Type == reflect.TypeFor[time.Duration]() {
			f.Type = reflect.TypeFor[durationValue]()
		}
		if env {
			f.Tag = envTag(prefix, f)
		}
		fields = append(fields, f)
		m.index = append(m.index, i)
	}
	m.typ = reflect.StructOf(fields)
	mirrors.Store(key, m)
	return m, nil
}

// decode fills a value of the mirror from *spec, calls decode with a
// pointer to it and copies its fields back to *spec, whether decode failed
// or not (as the decoders leave the fields they set before an error).
func (m mirror) decode(spec any, decode func(any) error) error {
	v := reflect.ValueOf(spec).Elem()
	mv := reflect.New(m.typ).Elem()
	for i, j := range m.index {
		setField(mv.Field(i), v.Field(j))
	}
	err := decode(mv.Addr().Interface())
	for i, j := range m.index {
		setField(v.Field(j), mv.Field(i))
	}
	return err
}

// setField sets dst to src, converted between time.Duration and
// durationValue (Convert copies the value it converts: not for the others).
func setField(dst, src reflect.Value) {
	if dst.Type() != src.Type() {
		dst.SetInt(src.Int())
		return
	}
	dst.Set(src)
}

// structPointer reports whether v is a pointer to a struct, not nil.
func structPointer(v any) bool {
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && !rv.IsNil() && rv.Elem().Kind() == reflect.Struct
}
