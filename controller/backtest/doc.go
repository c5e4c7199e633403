// Package backtest replays a trace through controller/engine, the
// per-target pipeline the live controller runs (detector → online
// forecaster → policy.Decide), against the referee's simulated pool, beside
// a reactive HPA curve and a clairvoyant oracle.
//
// The defaults it replays with are the live controller's (engine.Default*);
// how they were chosen, on which data, and what was tried and rejected is in
// docs/tuning.md.
package backtest
