// Package backtest replays a trace through controller/engine, the
// per-target pipeline the live controller runs (detector → online
// forecaster → policy.Decide), against the referee's simulated pool, beside
// a reactive HPA curve and a clairvoyant oracle. The trace is a CSV
// file's or, with QueryRange, a series a Prometheus server holds
// (prescale backtest --prometheus).
//
// The simulated pool is the referee's cluster model
// (../shared/bench/README.md, autoscale_score.py): time moves on the
// trace's sample grid; at each sample pending units whose ready time has
// come become ready, then the decision is applied (scale-up adds pending
// units ready at decision time + lag, scale-down is immediate and removes
// the newest pending units first, then ready ones), then promotion runs
// again; the interval to the next sample is accounted with the ready count
// at its start. Cost counts pending units.
//
// The defaults it replays with are the live controller's (engine.Default*);
// how they were chosen, on which data, and what was tried and rejected is in
// docs/tuning.md.
package backtest
