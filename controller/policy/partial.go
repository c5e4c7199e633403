package policy

// ReasonPartialData: the demand was a lower bound (the target's
// complete_query said the demand query missed a source, e.g. a host of a
// summed job was down), and the decision would have gone below the units
// held: it holds them instead. A lower bound still scales up.
const ReasonPartialData Reason = "partial_data"

// RulePartialData is the step that holds the units on a partial demand.
const RulePartialData Rule = "partial_data"

// partialHold is step 8a: on a partial demand (Input.Partial) the decision
// never goes below the units held, those no_data would keep (the last
// decision, else the current units): what the demand query missed may be
// all the demand that is gone. It may go above them: the missing share can
// only add to the demand read, so what the demand read needs is needed.
func partialHold(in Input, t Target, st State, p proposal) proposal {
	if !in.Partial {
		return p
	}
	held := in.CurrentUnits
	if st.HasLast {
		held = st.LastDesired
	}
	if held = t.clamp(held); p.units < held {
		return proposal{held, ReasonPartialData, RulePartialData}
	}
	return p
}
