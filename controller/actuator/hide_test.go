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

// TestHideSecretsOverlapping: two secrets printed overlapping (the end of
// one is the start of the other) are hidden whole, as one REDACTED; an
// occurrence of each alone and two printed side by side stay two. Hidden
// one after another, longest first, the first left the rest of the
// second shown ("REDACTED5678xyz"). A URL's user info overlapping a
// secret still shows its '@' when it ends last.
func TestHideSecretsOverlapping(t *testing.T) {
	env := []string{"A_TOKEN=abcdefgh1234", "B_TOKEN=12345678xyz", "DB_URL=postgres://app:db-pw-12345@db/app", "C_KEY=secret-app"}
	for _, c := range []struct{ out, want string }{
		{"got abcdefgh12345678xyz.", "got REDACTED."},
		{"got 12345678xyz abcdefgh1234", "got REDACTED REDACTED"},
		{"got abcdefgh123412345678xyz", "got REDACTEDREDACTED"},
		{"dsn postgres://app:db-pw-12345@db/app", "dsn postgres://REDACTED@db/app"},
		{"as secret-app:db-pw-12345@db", "as REDACTED@db"},
	} {
		require.Equal(t, c.want, hideSecrets(c.out, env, nil), c.out)
	}
}
