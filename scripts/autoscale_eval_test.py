#!/usr/bin/env python3
"""Tests of autoscale_eval.py's bars (summarise) on made-up referee figures.

Run: python3 -m unittest discover -s scripts -p '*_test.py' (make test-scripts).
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import autoscale_eval  # noqa: E402


def scen(ratio, seconds):
    """One scenario's figures as figures() returns them."""
    return {"violation_ratio": ratio, "violation_ratio_floored": autoscale_eval.floored(ratio),
            "clamped": None, "violation_seconds": seconds, "events_ratio": 1.0,
            "worse_than_silent_hpa": ratio is None and seconds > 0}


def row(name, **over):
    r = {"trace": name}
    for s, *_ in autoscale_eval.SCENARIOS:
        r[s] = scen(0.2, 600)
    for s, (ratio, seconds) in over.items():
        r[s] = scen(ratio, seconds)
    return r


class Lag150Bar(unittest.TestCase):
    def test_silent_hpa_at_lag150_is_worse_than_matched(self):
        # The HPA never violates at lag 150 while prescale does: no ratio,
        # but worse than matched's 0.2, as the other bars count it.
        s = autoscale_eval.summarise([row("a", lag150=(None, 300))])
        self.assertEqual(s["lag150_worse_than_matched"], ["a"])
        self.assertFalse(s["bars"]["lag 150 no trace worse than matched"])

    def test_lag150_not_worse_than_a_matched_silent_hpa(self):
        # matched is already worse than a silent HPA (its own bar fails);
        # lag 150's finite ratio is not worse than that.
        s = autoscale_eval.summarise([row("a", matched=(None, 300), lag150=(0.5, 200))])
        self.assertEqual(s["lag150_worse_than_matched"], [])
        self.assertFalse(s["bars"]["matched violation each <= 0.6"])

    def test_both_zero_and_lower_ratio_pass(self):
        s = autoscale_eval.summarise([row("a", lag150=(None, 0)), row("b", lag150=(0.1, 100))])
        self.assertEqual(s["lag150_worse_than_matched"], [])


if __name__ == "__main__":
    unittest.main()
