package actuator

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestHideSecretsEveryName: a variable whose name holds any one of
// secretNames, in any case, has its value hidden; one holding none is
// left as written.
func TestHideSecretsEveryName(t *testing.T) {
	for _, name := range []string{"APP_SECRET", "vault_token", "DB_PASSWORD", "SIGNING_KEY", "GCP_CREDENTIALS", "BASIC_AUTH", "PRIVATE_PEM"} {
		require.Equal(t, "got REDACTED", hideSecrets("got value-0123456789", []string{name + "=value-0123456789"}, nil), name)
	}
	require.Equal(t, "got value-0123456789", hideSecrets("got value-0123456789", []string{"DEPLOY_REGION=value-0123456789"}, nil))
}

// TestHideSecretsCRLFLines: each line of a secret of several lines with
// CRLF line ends (a PEM key from a file edited on Windows) is hidden
// without its CR, as a command prints one line of it.
func TestHideSecretsCRLFLines(t *testing.T) {
	env := []string{"TLS_PRIVATE_KEY=-----BEGIN KEY-----\r\nMIIEowIBAAKCAQEA0123\r\n-----END KEY-----\r\n"}
	require.Equal(t, "bad line REDACTED here", hideSecrets("bad line MIIEowIBAAKCAQEA0123 here", env, nil))
}

// TestHideSecretsURLQueryEncodedName: a query parameter's name is read
// decoded (p%61ssword is password) before it is matched to secretNames.
func TestHideSecretsURLQueryEncodedName(t *testing.T) {
	env := []string{"HOOK=https://hooks.example/x?p%61ssword=query-pw-0123"}
	require.Equal(t, "refused REDACTED", hideSecrets("refused query-pw-0123", env, nil))
}
