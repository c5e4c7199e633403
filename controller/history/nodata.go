package history

import (
	"fmt"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
)

// NoDataHint says why a query that the store evaluated can answer nothing:
// no series matches it, or, when it reads a range ([1m]), the range holds
// too few samples: rate(), increase() and deriv() need two, so a range
// shorter than twice the scrape interval is mostly empty (a 60s scrape
// read through rate(...[1m]) at a 5s step answered nothing for an hour,
// and the message said only "query returned no data").
func NoDataHint(query string) string {
	e, err := parser.NewParser(parser.Options{}).ParseExpr(query)
	if err != nil {
		return ""
	}
	var shortest time.Duration
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if m, ok := n.(*parser.MatrixSelector); ok && (shortest == 0 || m.Range < shortest) {
			shortest = m.Range
		}
		return nil
	})
	if shortest == 0 {
		return ": no series matches the query (a misspelt metric or label?)"
	}
	return fmt.Sprintf(": no series matches the query (a misspelt metric or label?), or its range [%s] holds too few samples (rate(), increase() and deriv() need two: make it at least twice the scrape interval, four times to bear a missed scrape)", model.Duration(shortest))
}
