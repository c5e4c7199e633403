// Package apitoken keeps the API token `prescale run` generates when the
// operator gives none: a random token in a file of the data directory,
// mode 0600, reused by the next start (docs/architecture.md).
package apitoken

import (
	"crypto/rand"
	"encoding/hex"
	"io/fs"
	"os"
	"strings"

	"github.com/prescale/prescale/internal/atomicfile"
)

// FileName is the token file's name inside the data directory.
const FileName = "api-token"

// Read returns the token kept at path, when the file holds one (at least
// 16 characters once trimmed), with the file's permission bits as found,
// and makes the file mode 0600 again: err is that chmod's. ok false: no
// token is kept there; New makes one.
func Read(path string) (tok string, perm fs.FileMode, ok bool, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", 0, false, nil
	}
	if tok, ok = parse(b); !ok {
		return "", 0, false, nil
	}
	if fi, err := os.Stat(path); err == nil {
		perm = fi.Mode().Perm()
	}
	return tok, perm, true, os.Chmod(path, 0o600)
}

// minFileToken is the fewest characters of a token Read takes from a
// file: fewer is an operator's own token, too short to be kept.
const minFileToken = 16

// parse is the token a token file's bytes b hold: b without the white
// space at its ends, when that is at least minFileToken bytes.
func parse(b []byte) (string, bool) {
	tok := strings.TrimSpace(string(b))
	return tok, len(tok) >= minFileToken
}

// New writes a new random token (16 bytes, in hex) to path with mode 0600
// and returns it.
func New(path string) (string, error) {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	tok := hex.EncodeToString(b)
	if err := WriteFile0600(path, []byte(tok+"\n")); err != nil {
		return "", err
	}
	return tok, nil
}

// WriteFile0600 writes b to path through a temporary file renamed over it,
// created with mode 0600 so the token is never readable by others
// (atomicfile.Options.Perm). A path that is a symbolic link writes the
// file it names and stays a link; one that names no regular file
// (/dev/stdout, a named pipe) is refused, so the token is never shown.
func WriteFile0600(path string, b []byte) error {
	return atomicfile.WriteFile(path, b, atomicfile.Options{Perm: 0o600})
}

// Usable reports whether tok can be an API token: not empty, and printable
// ASCII (0x21 to 0x7e) alone, as an Authorization header's bearer token
// is (RFC 6750 section 2.1's b64token characters are among them). White
// space anywhere (a trailing newline from a file, a space or a no-break
// space inside), a control character or a character beyond ASCII is not:
// clients, proxies and the Helm chart would not all carry it as given.
// prescale-controller, prescale run's token file and the chart's schema
// and template use this one rule.
func Usable(tok string) bool {
	if tok == "" {
		return false
	}
	for i := range len(tok) {
		if tok[i] < 0x21 || tok[i] > 0x7e {
			return false
		}
	}
	return true
}
