package trace

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"
)

// benchInput is n rows of a 1-minute trace as the real ones are written
// (unix seconds, a value with decimals): about 21 bytes a row.
func benchInput(n int) []byte {
	var b bytes.Buffer
	b.WriteString("timestamp,value\n")
	for i := range n {
		fmt.Fprintf(&b, "%d,%d.%03d\n", 1_400_000_000+60*i, 100+i%900, i%1000)
	}
	return b.Bytes()
}

// BenchmarkRead reports, besides -benchmem's allocations, the bytes a
// read trace keeps per byte of input (retained/input), for the strict
// reader forecast and backtest use and the row-echoing one detect uses.
func BenchmarkRead(b *testing.B) {
	in := benchInput(200_000)
	for _, bc := range []struct {
		name string
		read func([]byte) (*Trace, error)
	}{
		{"strict", func(p []byte) (*Trace, error) { return Read(bytes.NewReader(p)) }},
		{"unordered", func(p []byte) (*Trace, error) { return ReadUnordered(bytes.NewReader(p)) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			var kept float64
			for b.Loop() {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				tr, err := bc.read(in)
				if err != nil {
					b.Fatal(err)
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				kept = float64(after.HeapAlloc-before.HeapAlloc) / float64(len(in))
				runtime.KeepAlive(tr)
			}
			b.ReportMetric(kept, "retained/input")
		})
	}
}
