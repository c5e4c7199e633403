"""Tests of scripts/soak_report.py's restart lines (make test-scripts)."""

import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import soak_report  # noqa: E402


def health(acks):
    return {"actuation": [{"target": t, "acknowledged_units": u} for t, u in acks.items()]}


class RestartLines(unittest.TestCase):
    def lines(self, ps):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "state-at-stop.json"), "w") as f:
                json.dump({"targets": {"web": {}}}, f)
            marks = {("restart", "start"): 100.0, ("restart", "stopped"): 101.0, ("restart", "end"): 102.0}
            return soak_report.restart_lines(d, marks, [], ps)

    def test_same(self):
        ps = [(99.0, "200", health({"web": 3})), (103.0, "200", health({"web": 3}))]
        self.assertIn("after the restart: the same (1 targets before, 1 after)", self.lines(ps)[1])

    def test_differ(self):
        ps = [(99.0, "200", health({"web": 3})), (103.0, "200", health({"web": 4}))]
        self.assertIn("after the restart: DIFFER", self.lines(ps)[1])

    def test_no_answer_after(self):
        # A short soak (SOAK_MINUTES=0.5) ends a second after the restart:
        # nothing was compared, which is no difference.
        ps = [(99.0, "200", health({"web": 3}))]
        self.assertIn("after the restart: not compared (no health answer after the restart)", self.lines(ps)[1])


if __name__ == "__main__":
    unittest.main()
