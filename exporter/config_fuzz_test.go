package exporter

import (
	"reflect"
	"strings"
	"testing"

	"github.com/prescale/prescale/internal/clihelp"
	"github.com/prescale/prescale/internal/redact"
	"github.com/prescale/prescale/internal/testkit"
)

// FuzzConfigEnv sets one PRESCALE_* variable of the exporter to any value
// and reads and checks the configuration as prescale-exporter does: a
// refusal names a PRESCALE_ variable, quotes at most 100 bytes of the
// value and never the password of PRESCALE_APP_URL. Never a panic.
func FuzzConfigEnv(f *testing.F) {
	var names []string
	t := reflect.TypeFor[Config]()
	for i := range t.NumField() {
		names = append(names, EnvPrefix+"_"+t.Field(i).Tag.Get("envconfig"))
	}
	f.Add(uint8(2), "https://ops:hunter2pw@app:8080/healthz?x=1")
	f.Add(uint8(7), "^(a|b")
	f.Add(uint8(0), ":99999")
	f.Fuzz(func(t *testing.T, i uint8, v string) {
		if strings.ContainsRune(v, 0) {
			return // no environment holds a NUL
		}
		name := names[int(i)%len(names)]
		t.Setenv(name, v)
		var cfg Config
		err := clihelp.ProcessEnv(EnvPrefix, &cfg)
		if err != nil {
			err = clihelp.EnvError(err)
		} else {
			err = cfg.Validate()
		}
		if err == nil {
			return
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, EnvPrefix+"_") {
			t.Fatalf("refusal names no variable: %.300q", msg)
		}
		if run, ok := testkit.EchoedRun(msg, v, func(s string) bool { return !strings.ContainsAny(s, "\"\\`") }); ok {
			t.Fatalf("value quoted beyond 100 bytes (%q): %.300q", run, msg)
		}
		if _, pw, _, ok := redact.UserInfo(v); ok && name == envAppURL && len(pw) >= 8 && strings.Count(v, pw) == 1 && strings.Contains(msg, pw) {
			t.Fatalf("password %q quoted: %q", pw, msg)
		}
	})
}
