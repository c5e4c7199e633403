package datadir

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// FuzzReadPID reads any bytes as the lock file's (DATA_DIR/prescale.lock,
// which an older version, an edit or another program may have written),
// as Acquire does for the message of a second process: a pid is 0 (none)
// or positive, positive only for a decimal number alone (white space at
// its ends aside) whose digits name it, so the message quotes no other
// byte of the file; whatever Acquire writes reads back. Never a panic.
func FuzzReadPID(f *testing.F) {
	f.Add([]byte("12345\n"))
	f.Add([]byte("garbage"))
	f.Add([]byte(" +0042 \r\n"))
	f.Add([]byte("-7\n"))
	f.Add([]byte("99999999999999999999999"))
	f.Add([]byte("1\x002"))
	path := filepath.Join(f.TempDir(), LockName) // one per process: inputs run one at a time in it
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		pid := readPID(path)
		if pid < 0 {
			t.Fatalf("%q read as pid %d", b, pid)
		}
		msg := (&HeldError{Dir: "d", PID: pid}).Error()
		if pid == 0 {
			if strings.Contains(msg, "pid") {
				t.Fatalf("%q: no pid, message %q", b, msg)
			}
			return
		}
		digits := strings.TrimPrefix(strings.TrimSpace(string(b)), "+")
		if strings.TrimLeft(digits, "0") != strconv.Itoa(pid) {
			t.Fatalf("%q read as pid %d", b, pid)
		}
		if !strings.Contains(msg, "(pid "+strconv.Itoa(pid)+")") {
			t.Fatalf("%q: message %q", b, msg)
		}
		if err := os.WriteFile(path, []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := readPID(path); got != pid {
			t.Fatalf("pid %d as Acquire writes it read as %d", pid, got)
		}
	})
}
