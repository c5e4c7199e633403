// Package procfs parses the /proc files prescale-exporter reads itself
// (/proc/stat's btime and process lines, /proc/uptime, a pid file, a process's start time,
// /proc/net/tcp{,6}, the state of its own threads), which gopsutil does
// not, and /proc/diskstats, whose devices without I/O it drops: outside
// input, fuzzed by the exporter's FuzzProcFiles.
package procfs

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/prescale/prescale/internal/redact"
)

// BootTime returns the value of the "btime" line of /proc/stat.
func BootTime(stat []byte) (float64, error) {
	for line := range bytes.Lines(stat) {
		f := bytes.Fields(line)
		if len(f) == 2 && string(f[0]) == "btime" {
			v, err := strconv.ParseFloat(string(f[1]), 64)
			if err != nil {
				return 0, fmt.Errorf("btime %s: %w", QuoteCut(string(f[1])), errors.Unwrap(err))
			}
			return v, nil
		}
	}
	return 0, errors.New("no btime line")
}

// Uptime returns the first field of /proc/uptime (seconds since boot).
func Uptime(data []byte) (float64, error) {
	f := bytes.Fields(data)
	if len(f) == 0 {
		return 0, errors.New("empty")
	}
	v, err := strconv.ParseFloat(string(f[0]), 64)
	if err != nil {
		return 0, fmt.Errorf("uptime %s: %w", QuoteCut(string(f[0])), errors.Unwrap(err))
	}
	return v, nil
}

// ProcessCounts are the process lines of /proc/stat.
type ProcessCounts struct {
	Created, Running, Blocked, ContextSwitches uint64
}

// Processes returns the processes, procs_running, procs_blocked and ctxt
// lines of /proc/stat. A file with neither a ctxt nor a processes line
// (one that read empty) is an error, where zeros would publish counters
// falling to 0; lines of zeros are kept (gVisor writes them).
func Processes(stat []byte) (ProcessCounts, error) {
	var c ProcessCounts
	seen := false
	for line := range bytes.Lines(stat) {
		f := bytes.Fields(line)
		if len(f) != 2 {
			continue
		}
		v, err := strconv.ParseUint(string(f[1]), 10, 64)
		if err != nil {
			continue
		}
		switch string(f[0]) {
		case "processes":
			c.Created, seen = v, true
		case "procs_running":
			c.Running = v
		case "procs_blocked":
			c.Blocked = v
		case "ctxt":
			c.ContextSwitches, seen = v, true
		}
	}
	if !seen {
		return c, errors.New("no ctxt or processes line")
	}
	return c, nil
}

// PidFile parses a pid file: one positive decimal number, surrounding
// white space allowed.
func PidFile(data []byte) (int32, error) {
	s := string(bytes.TrimSpace(data))
	if s == "" {
		return 0, errors.New("empty")
	}
	pid, err := strconv.ParseInt(s, 10, 32)
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("%s is not a positive pid", QuoteCut(s))
	}
	return int32(pid), nil
}

// TaskState returns the state letter of a /proc/<pid>/task/<tid>/stat
// line ("R" running, "S" sleeping, "D" waiting for I/O, ...): the field
// after the command, which is in parentheses and may hold any byte,
// parentheses and spaces included, so the last ')' ends it.
func TaskState(stat []byte) (byte, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) || stat[i+1] != ' ' {
		return 0, fmt.Errorf("no state after the command in %s", QuoteCut(string(stat)))
	}
	st := stat[i+2]
	if st < 'A' || st > 'z' {
		return 0, fmt.Errorf("bad state %s", QuoteCut(string(stat[i+2:i+3])))
	}
	return st, nil
}

// StartTicks returns a process's start time, in clock ticks since boot,
// from its /proc/<pid>/stat line: the 22nd field, the 20th after the
// command (in parentheses, which may hold any byte, so the last ')' ends
// it).
func StartTicks(stat []byte) (uint64, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("no command in %s", QuoteCut(string(stat)))
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 20 {
		return 0, fmt.Errorf("%d fields after the command, the start time is the 20th", len(f))
	}
	t, err := strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("start time %s is not a count of ticks", QuoteCut(f[19]))
	}
	return t, nil
}

// QuoteCut is %q of s cut to 64 bytes (a pid file holding a log is not
// repeated), cut further while the quoted form is over 80 bytes: quoting
// writes a byte that is not printable as 4 ("\xb6"), so 64 bytes of
// binary quoted to 258, and a diskstats error quoting two fields to 302
// (FuzzProcFiles).
func QuoteCut(s string) string { return redact.QuoteCut(s, 64, 80) }

// TCPStates are the kernel's TCP states in the order of their numbers in
// /proc/net/tcp (include/net/tcp_states.h: TCP_ESTABLISHED = 1 ...
// TCP_CLOSING = 11). Every state is exported, zeros included.
var TCPStates = [...]string{
	"established", "syn_sent", "syn_recv", "fin_wait1", "fin_wait2",
	"time_wait", "close", "close_wait", "last_ack", "listen", "closing",
}

// CountTCPStates adds to counts the sockets of a /proc/net/tcp{,6} table
// whose local port is port. A line reads
// "sl local_address rem_address st ...", addresses as HEXIP:HEXPORT and the
// state in hex.
func CountTCPStates(r io.Reader, port int, counts *[len(TCPStates)]float64) error {
	sc := bufio.NewScanner(r)
	first := true
	for sc.Scan() {
		if first { // header
			first = false
			continue
		}
		f := strings.Fields(sc.Text())
		if len(f) < 4 {
			continue
		}
		i := strings.LastIndexByte(f[1], ':')
		if i < 0 {
			return fmt.Errorf("bad local address %s", QuoteCut(f[1]))
		}
		p, err := strconv.ParseUint(f[1][i+1:], 16, 16)
		if err != nil {
			return fmt.Errorf("bad local port in %s: %w", QuoteCut(f[1]), errors.Unwrap(err))
		}
		if int(p) != port {
			continue
		}
		st, err := strconv.ParseUint(f[3], 16, 8)
		if err != nil {
			return fmt.Errorf("bad state %s: %w", QuoteCut(f[3]), errors.Unwrap(err))
		}
		if st >= 1 && int(st) <= len(TCPStates) {
			counts[st-1]++
		}
	}
	return sc.Err()
}

// DiskStat is one line of /proc/diskstats: counts, 512-byte sectors and
// milliseconds, as the kernel prints them.
type DiskStat struct {
	Name                              string
	Reads, ReadSectors, ReadMillis    uint64
	Writes, WriteSectors, WriteMillis uint64
	InProgress, IOMillis              uint64
}

// DiskStats parses /proc/diskstats. Every device is returned, those that
// never did I/O included, except the lines of a device exclude (if not nil)
// reports true for, which are neither parsed nor reported. A line that
// cannot be parsed (fewer than the 14 fields of Linux 2.6, or a field that
// is not a count) is skipped, the other devices kept; skipped holds one
// error per such line. Blank lines are ignored.
func DiskStats(data []byte, exclude func(device string) bool) (out []DiskStat, skipped []error) {
	n := 0
	for line := range bytes.Lines(data) {
		n++
		f := strings.Fields(string(line))
		if len(f) == 0 || len(f) >= 3 && exclude != nil && exclude(f[2]) {
			continue
		}
		d, err := diskStat(f)
		if err != nil {
			skipped = append(skipped, fmt.Errorf("diskstats line %d: %w", n, err))
			continue
		}
		out = append(out, d)
	}
	return out, skipped
}

func diskStat(f []string) (DiskStat, error) {
	if len(f) < 14 {
		return DiskStat{}, fmt.Errorf("%d fields, at least 14 expected", len(f))
	}
	d := DiskStat{Name: f[2]}
	for i, p := range []*uint64{&d.Reads, nil, &d.ReadSectors, &d.ReadMillis, &d.Writes, nil,
		&d.WriteSectors, &d.WriteMillis, &d.InProgress, &d.IOMillis} {
		if p == nil {
			continue // merged reads and writes are not exported
		}
		v, err := strconv.ParseUint(f[3+i], 10, 64)
		if err != nil {
			return DiskStat{}, fmt.Errorf("%s field %d: %s is not a count", QuoteCut(f[2]), 4+i, QuoteCut(f[3+i]))
		}
		*p = v
	}
	return d, nil
}
