package clihelp

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// yamlEntry is a struct DecodeYAML decodes into: durations beside other
// fields, and an unexported field no decoder sets.
type yamlEntry struct {
	Name   string        `yaml:"name"`
	Lag    time.Duration `yaml:"lag"`
	Cool   time.Duration `yaml:"cool"`
	Units  []int         `yaml:"units"`
	hidden int
}

func yamlNode(t *testing.T, doc string) *yaml.Node {
	t.Helper()
	var n yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte(doc), &n))
	return &n
}

// TestDecodeYAML: a time.Duration field reads what ParseDuration reads
// (Prometheus' syntax too, through an alias as well), a field left out or
// null keeps its value, the other fields decode as n.Decode decodes them,
// and the node is left as it was (nothing is rewritten to Go's syntax).
func TestDecodeYAML(t *testing.T) {
	n := yamlNode(t, "{name: web, lag: &d 1d12h, cool: *d, units: [1, 2]}")
	before := yamlNode(t, "{name: web, lag: &d 1d12h, cool: *d, units: [1, 2]}")
	e := yamlEntry{Cool: time.Minute, hidden: 7}
	require.NoError(t, DecodeYAML(n, &e))
	require.Equal(t, yamlEntry{Name: "web", Lag: 36 * time.Hour, Cool: 36 * time.Hour, Units: []int{1, 2}, hidden: 7}, e)
	require.Equal(t, before, n, "the node is left as it was")

	for in, want := range map[string]time.Duration{"14d": 14 * 24 * time.Hour, "2w": 14 * 24 * time.Hour, "1.5d": 36 * time.Hour, "'90s'": 90 * time.Second, "!!str 1d": 24 * time.Hour, "-5m": -5 * time.Minute} {
		e := yamlEntry{Cool: time.Minute}
		require.NoError(t, DecodeYAML(yamlNode(t, "{lag: "+in+", cool: null}"), &e), in)
		require.Equal(t, yamlEntry{Lag: want, Cool: time.Minute}, e, in)
	}
	require.Error(t, DecodeYAML(n, e), "not a pointer")
}

// TestDecodeYAMLErrorsAsTheDecoders: a value ParseDuration does not read
// is refused as the YAML decoder refuses it for a time.Duration, word for
// word (line, tag, value, type), and one Go's syntax reads is read alike.
func TestDecodeYAMLErrorsAsTheDecoders(t *testing.T) {
	for _, in := range []string{"300", "'300'", "1x", "1e3", "true", "[1d]", "{a: 1}", "!!binary NW0=", "!!binary MTRk", "5m", "1h30m", "''", "lag", "99999999999h", "!!int 5"} {
		doc := "name: web\nlag: " + in + "\n"
		type plain struct {
			Name string        `yaml:"name"`
			Lag  time.Duration `yaml:"lag"`
		}
		var p plain
		perr := yamlNode(t, doc).Decode(&p)
		var e yamlEntry
		err := DecodeYAML(yamlNode(t, doc), &e)
		if perr != nil {
			require.EqualError(t, err, perr.Error(), in)
			continue
		}
		require.NoError(t, err, in)
		require.Equal(t, p.Lag, e.Lag, in)
	}
}

// TestDecodeConcurrently: configuration read from several goroutines at
// once (prescale run reads the controller's and the exporter's variables;
// a program may decode entries in parallel) reads what is set, from one
// node shared by all: the first decodes of a type make its mirror at
// once, and nothing writes to the environment or the node (run with
// -race).
func TestDecodeConcurrently(t *testing.T) {
	type spec struct {
		Window time.Duration `envconfig:"WINDOW" default:"1h"`
		Name   string        `envconfig:"NAME"`
	}
	t.Setenv("CONC_WINDOW", "2w")
	t.Setenv("WINDOW", "5m")
	n := yamlNode(t, "{name: web, lag: 1d, units: [3]}")
	done := make(chan [2]any)
	for range 8 {
		go func() {
			var s spec
			var e yamlEntry
			if err := errors.Join(ProcessEnv("CONC", &s), DecodeYAML(n, &e)); err != nil {
				done <- [2]any{err, nil}
				return
			}
			done <- [2]any{s, e}
		}()
	}
	for range 8 {
		require.Equal(t, [2]any{spec{Window: 14 * 24 * time.Hour}, yamlEntry{Name: "web", Lag: 24 * time.Hour, Units: []int{3}}}, <-done)
	}
}
