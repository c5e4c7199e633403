package deploy

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
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
