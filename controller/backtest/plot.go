package backtest

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// maxPlotPoints bounds the points per line: longer traces are reduced to
// buckets keeping the highest demand and the lowest ready capacity of each
// (what matters for violations stays visible); a bucket with a scale event
// is marked once.
const maxPlotPoints = 3000

// Plot size: the data area on the left, the legend in a strip to its right
// (outside the data).
const (
	plotWidth   = 42 * vg.Centimeter
	plotHeight  = 15 * vg.Centimeter
	legendWidth = 12 * vg.Centimeter
)

var (
	colDemand   = color.RGBA{R: 80, G: 80, B: 80, A: 255}
	colPrescale = color.RGBA{R: 20, G: 90, B: 200, A: 255}
	colHPA      = color.RGBA{R: 230, G: 140, B: 20, A: 255}
	colViol     = color.RGBA{R: 210, G: 20, B: 20, A: 255}
	colScored   = color.NRGBA{R: 120, G: 200, B: 120, A: 50}
)

// PlotLast draws demand, prescale's ready capacity and the reactive HPA's
// at equal cost (res.Baseline), prescale's violations and each side's
// scale events over the samples of the last `last` of the trace (0: the
// whole trace), shades the scored samples (from res.EvalStart), starts the
// y axis at 0, puts the legend beside the data and titles the picture
// with both sides' figures over the scored samples. The format follows
// the extension of path (.svg, .png, .pdf).
func PlotLast(res *Result, capacity float64, path string, last time.Duration) error {
	n := len(res.T)
	if n == 0 {
		return fmt.Errorf("nothing to plot")
	}
	s := plotSeries(res, capacity, plotFirst(res, last))
	p := plot.New()
	p.Title.Text = plotTitle(res)
	p.X.Label.Text = "time (UTC)"
	p.X.Tick.Marker = calendarTicks{}
	p.Y.Label.Text = "demand / ready capacity"
	p.Y.Min, p.Y.Max = 0, s.top
	p.Y.Tick.Marker = plainTicks{}
	leg := plot.NewLegend()
	if err := s.draw(p, &leg, res); err != nil {
		return err
	}
	return savePlot(p, &leg, path)
}

// plotFirst is the first sample inside the last `last` of the trace.
func plotFirst(res *Result, last time.Duration) int {
	n, first := len(res.T), 0
	if last > 0 {
		cut := res.T[n-1] - int64(last/time.Second)
		for first < n-1 && res.T[first] < cut {
			first++
		}
	}
	return first
}

// plotted holds the plotted points.
type plotted struct {
	demand, pre, hpa, viol, preEvents, hpaEvents plotter.XYs
	// scored spans the scored samples in the window (empty when none).
	scoredFrom, scoredTo float64
	scored               bool
	top                  float64 // y axis maximum
}

// plotSeries reduces samples first..n-1 to at most maxPlotPoints buckets.
func plotSeries(res *Result, capacity float64, first int) *plotted {
	n := len(res.T)
	bucket := max(1, (n-first+maxPlotPoints-1)/maxPlotPoints)
	s := &plotted{}
	var preEv, hpaEv []float64
	for from := first; from < n; from += bucket {
		to := min(n, from+bucket)
		x := float64(res.T[from])
		d, p, b := math.Inf(-1), math.Inf(1), math.Inf(1)
		violated, pe, he := false, false, false
		for i := from; i < to; i++ {
			if v := res.Demand[i]; !math.IsNaN(v) {
				d = max(d, v)
				violated = violated || v > float64(res.Timeline[i].Ready)*capacity
			}
			p = min(p, float64(res.Timeline[i].Ready)*capacity)
			b = min(b, float64(res.BaselineTimeline[i].Ready)*capacity)
			pe = pe || (i > 0 && res.Timeline[i].Requested != res.Timeline[i-1].Requested)
			he = he || (i > 0 && res.BaselineTimeline[i].Requested != res.BaselineTimeline[i-1].Requested)
		}
		if !math.IsInf(d, -1) {
			s.demand = append(s.demand, plotter.XY{X: x, Y: d})
			s.top = max(s.top, d)
			if violated {
				s.viol = append(s.viol, plotter.XY{X: x, Y: d})
			}
		}
		s.pre = append(s.pre, plotter.XY{X: x, Y: p})
		s.hpa = append(s.hpa, plotter.XY{X: x, Y: b})
		s.top = max(s.top, p, b)
		if pe {
			preEv = append(preEv, x)
		}
		if he {
			hpaEv = append(hpaEv, x)
		}
	}
	s.top = 1.08 * max(s.top, capacity)
	// Event marks in two rows at the bottom of the data area.
	for _, x := range preEv {
		s.preEvents = append(s.preEvents, plotter.XY{X: x, Y: 0.05 * s.top})
	}
	for _, x := range hpaEv {
		s.hpaEvents = append(s.hpaEvents, plotter.XY{X: x, Y: 0.02 * s.top})
	}
	if from := max(first, res.EvalStart); from < n {
		s.scored, s.scoredFrom, s.scoredTo = true, float64(res.T[from]), float64(res.T[n-1])
	}
	return s
}

// plotTitle names both sides' figures over the scored samples.
func plotTitle(res *Result) string {
	pre, hpa, eq := res.Prescale, res.Baseline, res.Equal
	return fmt.Sprintf("prescale: violation %s s, %s instance-hours, %d scale events   |   "+
		"reactive HPA@%g at equal cost: violation %s s, %s instance-hours, %d scale events\n"+
		"over the scored samples; the referee's comparison at equal cost: violation ratio %s, HPA events %s (prescale / HPA %s)",
		fmtG(pre.ViolationSeconds, 6), fmtG(pre.InstanceHours, 5), pre.ScaleEvents,
		hpa.Target, fmtG(hpa.ViolationSeconds, 6), fmtG(hpa.InstanceHours, 5), hpa.ScaleEvents,
		fmtG(eq.ViolationRatio, 3), fmtG(eq.HPAScaleEvents, 5), fmtG(eq.EventsRatio, 3))
}

// draw adds the scored shading, the lines and the marks to p and their
// entries to leg.
func (s *plotted) draw(p *plot.Plot, leg *plot.Legend, res *Result) error {
	if s.scored {
		poly, err := plotter.NewPolygon(plotter.XYs{
			{X: s.scoredFrom, Y: 0}, {X: s.scoredTo, Y: 0}, {X: s.scoredTo, Y: s.top}, {X: s.scoredFrom, Y: s.top}})
		if err != nil {
			return err
		}
		poly.Color, poly.Width = colScored, 0
		p.Add(poly)
		leg.Add(fmt.Sprintf("scored samples (from sample %d)", res.EvalStart), poly)
	}
	lines := []struct {
		name  string
		xys   plotter.XYs
		col   color.Color
		width vg.Length
	}{
		{"demand", s.demand, colDemand, vg.Points(0.6)},
		{fmt.Sprintf("reactive HPA@%g at equal cost: ready capacity", res.Baseline.Target), s.hpa, colHPA, vg.Points(0.8)},
		{"prescale: ready capacity", s.pre, colPrescale, vg.Points(0.8)},
	}
	for _, l := range lines {
		if len(l.xys) == 0 {
			continue
		}
		line, err := plotter.NewLine(l.xys)
		if err != nil {
			return err
		}
		line.Color, line.Width, line.StepStyle = l.col, l.width, plotter.PostStep
		p.Add(line)
		leg.Add(l.name, line)
	}
	marks := []struct {
		name  string
		xys   plotter.XYs
		col   color.Color
		shape draw.GlyphDrawer
	}{
		{"prescale: violation", s.viol, colViol, draw.CircleGlyph{}},
		{fmt.Sprintf("prescale: scale events (%d scored)", res.Prescale.ScaleEvents), s.preEvents, colPrescale, draw.TriangleGlyph{}},
		{fmt.Sprintf("HPA@%g at equal cost: scale events (%d scored)", res.Baseline.Target, res.Baseline.ScaleEvents), s.hpaEvents, colHPA, draw.BoxGlyph{}},
	}
	for _, m := range marks {
		if len(m.xys) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(m.xys)
		if err != nil {
			return err
		}
		sc.Color, sc.Shape, sc.Radius = m.col, m.shape, vg.Points(1.5)
		p.Add(sc)
		leg.Add(m.name, sc)
	}
	return nil
}

// savePlot draws p with leg in a strip to its right and writes path in the
// format its extension names.
func savePlot(p *plot.Plot, leg *plot.Legend, path string) (err error) {
	format := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	c, err := draw.NewFormattedCanvas(plotWidth, plotHeight, format)
	if err != nil {
		return err
	}
	dc := draw.New(c)
	p.Draw(draw.Crop(dc, 0, -legendWidth, 0, 0))
	leg.Top, leg.Left = true, true
	legArea := draw.Crop(dc, plotWidth-legendWidth+vg.Centimeter/2, 0, 0, -2*vg.Centimeter)
	leg.Draw(legArea)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	_, err = c.WriteTo(f)
	return err
}
