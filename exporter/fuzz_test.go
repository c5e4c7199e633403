package exporter

import (
	"bytes"
	"math"
	"testing"

	"github.com/prescale/prescale/exporter/internal/procfs"
)

// FuzzProcFiles feeds any bytes to the parsers of the /proc files the
// exporter reads itself (/proc/stat's btime, /proc/uptime, a pid file,
// /proc/net/tcp{,6}, /proc/diskstats, a thread's or a process's stat): each either returns a value or an
// error with a short message, never panics, process counts come only from
// a file with a ctxt or processes line, the TCP counts only grow, by
// at most one per line, and there is at most one disk or skipped line per
// line.
func FuzzProcFiles(f *testing.F) {
	f.Add([]byte("btime 1700000000\n"), uint16(8080))
	f.Add([]byte("101 (a) b) R 1 100 100 0 -1\n"), uint16(0))
	f.Add([]byte(" 253 0 vda 1 2 3 4 5 6 7 8 9 10 11 0 0 0 0\n 8 16 sdb 0 0 0 0 0 0 0 0 0 0 0\n"), uint16(0))
	f.Fuzz(func(t *testing.T, in []byte, port uint16) {
		short := func(what string, err error) {
			if err != nil && (err.Error() == "" || len(err.Error()) > 300) {
				t.Fatalf("%s: error empty or too long (%d bytes)", what, len(err.Error()))
			}
		}
		_, err := procfs.BootTime(in)
		short("btime", err)
		_, err = procfs.Uptime(in)
		short("uptime", err)
		if _, err := procfs.Processes(in); err == nil && !bytes.Contains(in, []byte("ctxt")) && !bytes.Contains(in, []byte("processes")) {
			t.Fatal("process counts read from a /proc/stat with neither a ctxt nor a processes line")
		} else {
			short("process lines", err)
		}
		if pid, err := procfs.PidFile(in); err == nil && pid <= 0 {
			t.Fatalf("pid %d accepted", pid)
		} else {
			short("pid file", err)
		}
		if st, err := procfs.TaskState(in); err == nil && (st < 'A' || st > 'z') {
			t.Fatalf("state %q accepted", st)
		} else {
			short("task stat", err)
		}
		_, err = procfs.StartTicks(in)
		short("process stat", err)
		disks, skipped := procfs.DiskStats(in, func(device string) bool { return device == "sda1" })
		for _, err := range skipped {
			short("diskstats", err)
		}
		if lines := bytes.Count(in, []byte("\n")) + 1; len(disks)+len(skipped) > lines {
			t.Fatalf("%d disks and %d skipped lines from %d lines", len(disks), len(skipped), lines)
		}
		var counts [len(procfs.TCPStates)]float64
		err = procfs.CountTCPStates(bytes.NewReader(in), int(port), &counts)
		short("tcp table", err)
		total := 0.0
		for _, c := range counts {
			if c < 0 || math.IsNaN(c) {
				t.Fatalf("count %v", c)
			}
			total += c
		}
		if lines := bytes.Count(in, []byte("\n")) + 1; total > float64(lines) {
			t.Fatalf("%v sockets counted from %d lines", total, lines)
		}
	})
}
