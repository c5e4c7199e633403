package deploy

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/apitoken"
	"github.com/prescale/prescale/internal/redact"
	"github.com/prescale/prescale/internal/testkit"
)

// TestHelmAPITokenFromAFile: a token given as `--set-file
// controller.apiToken.value=token.txt`, as Helm takes a secret from a file,
// reaches the controller without the file's trailing newline, and the
// controller's configuration accepts it. The Secret kept the newline and
// the controller exited 2 at start (PRESCALE_API_TOKEN has white space at
// an end), a CrashLoopBackOff, while `curl -H "Authorization: Bearer
// $(cat token.txt)"` sends the token without it. A value of white space
// alone is no token: no Secret and no variable, as an empty one.
func TestHelmAPITokenFromAFile(t *testing.T) {
	helm := lookHelm(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "token.txt")
	require.NoError(t, os.WriteFile(file, []byte("0123456789abcdef0123\n"), 0o600))
	objs := mustTemplate(t, helm, "--set-file", "controller.apiToken.value="+file)
	require.Len(t, objs["Secret"], 1)
	enc, _ := get(t, objs["Secret"][0].raw, "data", "token").(string)
	tok, err := base64.StdEncoding.DecodeString(enc)
	require.NoError(t, err)
	require.Equal(t, "0123456789abcdef0123", string(tok), "the file's trailing newline is not part of the token")
	data, _ := get(t, objs["ConfigMap"][0].raw, "data").(map[string]any)
	data["PRESCALE_API_TOKEN"] = string(tok) // the Secret's value, as the container sees it
	cfg := requireControllerAccepts(t, data, objs["StatefulSet"][0])
	require.Equal(t, "0123456789abcdef0123", cfg.APIToken)

	blank := filepath.Join(dir, "blank.txt")
	require.NoError(t, os.WriteFile(blank, []byte(" \n"), 0o600))
	objs = mustTemplate(t, helm, "--set-file", "controller.apiToken.value="+blank)
	require.Empty(t, objs["Secret"], "white space alone is no token")
	require.NotContains(t, containerEnv(t, objs["StatefulSet"][0]), "PRESCALE_API_TOKEN")
}

// TestHelmAPITokenMinimum: a controller.apiToken.value shorter than
// redact.MinHidden bytes, once ASCII white space at its ends is trimmed as
// the chart stores it, fails `helm template` and `helm lint` (for which a
// template's fail is no error) by the schema, naming the field, quoting
// neither the value nor its length (a token from --set-file ends in a
// newline: lint passed a 7-byte one). It rendered, and the controller
// exited 2 at start (PRESCALE_API_TOKEN: must be at least 8 bytes): a
// CrashLoopBackOff after a successful install. The template checks the
// same (--skip-schema-validation).
func TestHelmAPITokenMinimum(t *testing.T) {
	helm := lookHelm(t)
	short := strings.Repeat("k", redact.MinHidden-1)
	file := filepath.Join(t.TempDir(), "token.txt")
	require.NoError(t, os.WriteFile(file, []byte(short+"\n"), 0o600)) // MinHidden bytes with the newline
	for _, args := range [][]string{
		{"--set", "controller.apiToken.value=" + short},
		{"--set-file", "controller.apiToken.value=" + file},
		{"--set", "controller.apiToken.value=  " + short + "  "},
		{"--set", "controller.apiToken.value=\t\v" + short + "\r\f"},
	} {
		requireTokenRefused(t, helm, args, "kkk")
	}

	// MinHidden bytes are taken, white space at its ends or not; empty or
	// white space alone is no token.
	for _, tok := range []string{strings.Repeat("k", redact.MinHidden), "  " + short + "k\n"} {
		out, err := exec.CommandContext(t.Context(), helm, "lint", "--strict", chartDir, "--set", "controller.apiToken.value="+tok).CombinedOutput()
		require.NoError(t, err, "%q: %s", tok, out)
		objs := mustTemplate(t, helm, "--set", "controller.apiToken.value="+tok)
		require.Len(t, objs["Secret"], 1, tok)
	}
	objs := mustTemplate(t, helm, "--set", "controller.apiToken.value=")
	require.Empty(t, objs["Secret"])
}

// TestHelmAPITokenPrintableASCII: a controller.apiToken.value holding white
// space inside, a control character or a character beyond ASCII is refused
// by `helm lint` and `helm template` (the schema) and by the template
// alone, naming the field, quoting neither the value nor its length: the
// controller refuses it at start (apitoken.Usable: printable ASCII without
// white space, as a bearer token is). The schema took "k      k" and the
// template took four 2-byte characters, and a non-ASCII token of any
// length passed both.
func TestHelmAPITokenPrintableASCII(t *testing.T) {
	helm := lookHelm(t)
	for _, tok := range []string{"kkkk    kkkk", "kkkk\u00a0kkkk", "kkkk\x01kkkk", strings.Repeat("é", redact.MinHidden), "\u00a0kkkkkkkk"} {
		requireTokenRefused(t, helm, []string{"--set", "controller.apiToken.value=" + tok}, "kkkk")
	}
	// Every printable ASCII character is taken.
	for _, tok := range []string{"aZ09-._~+/=", `!"#$%&'()*:;<>?@[]^` + "`|}"} {
		objs := mustTemplate(t, helm, "--set-string", "controller.apiToken.value="+tok)
		require.Len(t, objs["Secret"], 1, tok)
		enc, _ := get(t, objs["Secret"][0].raw, "data", "token").(string)
		got, err := base64.StdEncoding.DecodeString(enc)
		require.NoError(t, err)
		require.Equal(t, tok, string(got))
	}
}

// requireTokenRefused: helm template and helm lint --strict refuse the
// values args by the schema, the template alone by its own check, neither
// quoting part of the value nor a length.
func requireTokenRefused(t *testing.T, helm string, args []string, part string) {
	t.Helper()
	const (
		byTemplate = "controller.apiToken.value: must be printable ASCII without white space inside, and at least 8 bytes"
		bySchema   = "at '/controller/apiToken/value': value must be 'printable ASCII without white space inside, at least 8 bytes, not counting white space at its ends, or empty (no token)'"
	)
	_, stderr, err := helmTemplate(t, helm, args...)
	require.Error(t, err, "%q", args)
	require.Contains(t, stderr, bySchema, "%q", args)
	out, err := exec.CommandContext(t.Context(), helm, append([]string{"lint", "--strict", chartDir}, args...)...).CombinedOutput()
	require.Error(t, err, "%q", args)
	require.Contains(t, string(out), bySchema, "%q", args)
	_, stderr2, err := helmTemplate(t, helm, append([]string{"--skip-schema-validation"}, args...)...)
	require.Error(t, err, "%q", args)
	require.Contains(t, stderr2, byTemplate, "%q", args)
	for _, said := range []string{stderr, string(out), stderr2} {
		require.NotContains(t, said, part, "the value is never quoted")
		require.NotRegexp(t, `got \d|\d+ bytes? long|length \d`, said, "nor its length")
	}
}

// TestHelmAPITokenSchemaIsTheTemplatesRule: for every value of up to 9
// bytes of letters, spaces, vertical tabs, newlines, control characters
// and a 2-byte character, the schema's pattern for
// controller.apiToken.value refuses it exactly when the template does
// (ASCII white space at its ends trimmed, then not empty and either not
// printable ASCII, apitoken.Usable, or under redact.MinHidden bytes), so
// helm lint neither passes a token the controller refuses nor refuses one
// it takes.
func TestHelmAPITokenSchemaIsTheTemplatesRule(t *testing.T) {
	var schema struct {
		Properties struct {
			Controller struct {
				Properties struct {
					APIToken struct {
						Properties struct {
							Value struct {
								If struct {
									Not struct{ Pattern string }
								}
							}
						}
					} `json:"apiToken"`
				}
			}
		}
	}
	require.NoError(t, json.Unmarshal(testkit.ReadFile(t, filepath.Join(chartDir, "values.schema.json")), &schema))
	taken := regexp.MustCompile(schema.Properties.Controller.Properties.APIToken.Properties.Value.If.Not.Pattern)
	var walk func(v string)
	walk = func(v string) {
		trimmed := strings.Trim(v, "\t\n\v\f\r ")
		want := trimmed != "" && (!apitoken.Usable(trimmed) || len(trimmed) < redact.MinHidden)
		if refused := !taken.MatchString(v); refused != want {
			t.Fatalf("the schema refuses %q: %v, the template: %v", v, refused, want)
		}
		if len(v) < redact.MinHidden+1 {
			for _, c := range "k \v\n\x01é" {
				walk(v + string(c))
			}
		}
	}
	walk("")
}

// TestHelmAPITokenChangeNeedsARestart: the controller's pod template does
// not change with controller.apiToken.value. It carries no checksum of the
// token (pods are readable by more people than Secrets, and a short
// token's hash can be searched), so a helm upgrade changing only the token
// leaves the running controller with the old one, which only a restart
// ends; docs/deploy.md and values.yaml say so, with the command.
func TestHelmAPITokenChangeNeedsARestart(t *testing.T) {
	helm := lookHelm(t)
	first := mustTemplate(t, helm, "--set", "controller.apiToken.value=first-token-1")
	second := mustTemplate(t, helm, "--set", "controller.apiToken.value=second-token-2")
	require.NotEqual(t, first["Secret"][0].raw, second["Secret"][0].raw)
	require.Equal(t, get(t, first["StatefulSet"][0].raw, "spec", "template"), get(t, second["StatefulSet"][0].raw, "spec", "template"),
		"the pod template changes with the token: docs/deploy.md says an upgrade does not restart the controller for it")
	require.Equal(t, "prescale-controller", first["StatefulSet"][0].Metadata.Name, "the release prescale's StatefulSet")
	require.Contains(t, string(testkit.ReadFile(t, "../docs/deploy.md")),
		"`kubectl -n prescale rollout restart statefulset/prescale-controller`")
	other, stderr, err := helmTemplateRelease(t, helm, "shop", "--set", "controller.apiToken.value=first-token-1")
	require.NoError(t, err, stderr)
	require.Equal(t, "shop-prescale-controller", other["StatefulSet"][0].Metadata.Name, "docs/deploy.md's <release>-prescale-controller")
	require.Contains(t, string(testkit.ReadFile(t, "helm/prescale/values.yaml")), "restart the controller (kubectl rollout restart statefulset/")
}
