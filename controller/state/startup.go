package state

import (
	"fmt"

	"github.com/prescale/prescale/controller/policy"
)

// MarkStartup marks as a start-up hold (policy.State.Startup) the outage
// hold of a target whose decisions say it never had data before it: a
// file written before Startup was kept (an older version) holds a fresh
// install's hold unmarked, named outage_hold once data comes. The
// decisions are the target's whole record when fewer than keep (the
// most the controller keeps) and all read; replayed through
// policy.State.Record from a fresh state (tg's windows) they give the
// hold's Startup as the policy would have kept it. A record that may have
// lost its oldest decisions says nothing: the hold stays an outage's.
// Only the explanation's names change, never a decision. It returns one
// message when it marked the hold.
func (t *Target) MarkStartup(tg policy.Target, keep int) []string {
	p := &t.Policy
	if p.Startup || p.OutageHold <= 0 || t.historyUnread || len(t.Decisions) == 0 || len(t.Decisions) >= keep {
		return nil
	}
	var replay policy.State
	for _, d := range t.Decisions {
		replay = replay.Record(tg, d)
	}
	if !replay.Startup || replay.OutageHold <= 0 {
		return nil
	}
	p.Startup = true
	return []string{fmt.Sprintf("outage hold of %d units is a start-up hold (no decision before it had data): named startup_hold", p.OutageHold)}
}
