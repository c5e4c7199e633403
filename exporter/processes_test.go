package exporter

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestProcessesRunningLeavesOutTheExporter: procs_running counts the
// exporter's own runnable threads, those its scrape wakes up; prescale
// counts only the one reading, as node_exporter's count holds its reader.
// It published them all: 2 to 3 more runnable threads than node_exporter
// on an idle 2-cpu host (3.9 against 1.9 over 60 reads at the same
// moments; 2.0 with them left out).
func TestProcessesRunningLeavesOutTheExporter(t *testing.T) {
	stat, err := os.ReadFile(filepath.Join(fixtureRoot(t), "proc", "stat"))
	require.NoError(t, err)
	loadavg, err := os.ReadFile(filepath.Join(fixtureRoot(t), "proc", "loadavg"))
	require.NoError(t, err)
	root := t.TempDir()
	write := func(rel, body string) {
		p := filepath.Join(root, rel)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	write("proc/stat", string(stat)) // procs_running 3
	write("proc/loadavg", string(loadavg))
	running := func() float64 {
		h := newHostCollector([]namedCollector{{"processes", newProcessesCollector()}},
			fixtureEnv(root), fixedNow, slog.New(slog.DiscardHandler), time.Second, nil)
		got := gatherValues(t, h)
		require.InDelta(t, 1.0, got[success("processes")], 0)
		return got["prescale_processes_running"]
	}
	require.InDelta(t, 3.0, running(), 0, "own threads unreadable: procs_running as it is")

	write("proc/self/task/100/stat", "100 (prescale-export) R 1 100 100 0 -1\n")
	write("proc/self/task/101/stat", "101 (a) b) c) R 1 100 100 0 -1\n") // ')' in the command
	write("proc/self/task/102/stat", "102 (prescale-export) S 1 100 100 0 -1\n")
	write("proc/self/task/103/stat", "103 (prescale-export) D 1 100 100 0 -1\n")
	require.InDelta(t, 2.0, running(), 0, "two runnable threads of its own, one of them the reader")

	for _, tid := range []string{"104", "105", "106"} {
		write("proc/self/task/"+tid+"/stat", tid+" (prescale-export) R 1 100 100 0 -1\n")
	}
	require.InDelta(t, 1.0, running(), 0, "never below the reader itself")
}
