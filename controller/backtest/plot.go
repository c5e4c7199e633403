package backtest

import (
	"fmt"
	"image/color"
	"math"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// maxPlotPoints bounds the points per line: longer traces are reduced to
// buckets keeping the highest demand and the lowest ready capacity of each
// (what matters for violations stays visible).
const maxPlotPoints = 3000

// Plot draws demand, the ready capacity of prescale and of the reactive
// baseline, and prescale's violations over time, and saves it to path
// (format by extension: .svg, .png, .pdf).
func Plot(res *Result, capacity float64, path string) error {
	return PlotLast(res, capacity, path, 0)
}

// PlotLast is Plot restricted to the samples of the last `last` of the
// trace (0: the whole trace): a few days at full resolution show each
// scale-up against the demand it anticipated.
func PlotLast(res *Result, capacity float64, path string, last time.Duration) error {
	n := len(res.T)
	if n == 0 {
		return fmt.Errorf("nothing to plot")
	}
	first := 0
	if last > 0 {
		cut := res.T[n-1] - int64(last/time.Second)
		for first < n-1 && res.T[first] < cut {
			first++
		}
	}
	bucket := max(1, (n-first+maxPlotPoints-1)/maxPlotPoints)
	var demand, pre, base, viol plotter.XYs
	for from := first; from < n; from += bucket {
		to := min(n, from+bucket)
		x := float64(res.T[from])
		d, p, b := math.Inf(-1), math.Inf(1), math.Inf(1)
		violated := false
		for i := from; i < to; i++ {
			if v := res.Demand[i]; !math.IsNaN(v) {
				d = max(d, v)
				if v > float64(res.Timeline[i].Ready)*capacity {
					violated = true
				}
			}
			p = min(p, float64(res.Timeline[i].Ready)*capacity)
			b = min(b, float64(res.BaselineTimeline[i].Ready)*capacity)
		}
		if !math.IsInf(d, -1) {
			demand = append(demand, plotter.XY{X: x, Y: d})
			if violated {
				viol = append(viol, plotter.XY{X: x, Y: d})
			}
		}
		pre = append(pre, plotter.XY{X: x, Y: p})
		base = append(base, plotter.XY{X: x, Y: b})
	}

	p := plot.New()
	p.Title.Text = fmt.Sprintf("prescale backtest: violation %.4g s at %.4g instance-hours; reactive HPA@%g: %.4g s at %.4g (figures over the scored samples)",
		res.Prescale.ViolationSeconds, res.Prescale.InstanceHours, res.Baseline.Target,
		res.Baseline.ViolationSeconds, res.Baseline.InstanceHours)
	p.X.Label.Text = "time (UTC)"
	p.X.Tick.Marker = plot.TimeTicks{Format: "01-02 15:04"}
	p.Y.Label.Text = "demand / ready capacity"
	p.Legend.Top = true

	add := func(name string, xys plotter.XYs, c color.Color, width vg.Length) error {
		if len(xys) == 0 {
			return nil
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return err
		}
		l.Color, l.Width = c, width
		l.StepStyle = plotter.PostStep
		p.Add(l)
		p.Legend.Add(name, l)
		return nil
	}
	if err := add("demand", demand, color.RGBA{R: 80, G: 80, B: 80, A: 255}, vg.Points(0.6)); err != nil {
		return err
	}
	if err := add(fmt.Sprintf("reactive HPA@%g capacity", res.Baseline.Target), base, color.RGBA{R: 230, G: 140, B: 20, A: 255}, vg.Points(0.8)); err != nil {
		return err
	}
	if err := add("prescale capacity", pre, color.RGBA{R: 20, G: 90, B: 200, A: 255}, vg.Points(0.8)); err != nil {
		return err
	}
	if len(viol) > 0 {
		s, err := plotter.NewScatter(viol)
		if err != nil {
			return err
		}
		s.Color = color.RGBA{R: 210, G: 20, B: 20, A: 255}
		s.Shape = draw.CircleGlyph{}
		s.Radius = vg.Points(1.5)
		p.Add(s)
		p.Legend.Add("prescale violation", s)
	}
	return p.Save(40*vg.Centimeter, 14*vg.Centimeter, path)
}
