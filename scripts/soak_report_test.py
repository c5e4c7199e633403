"""Tests of scripts/soak_report.py's restart lines and fault rows (make test-scripts)."""

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


# The controller's lines (slog's text format) over a receiver's fault from
# 14:12:00 to 14:14:00 (the next fault at 14:15:30): a WARN 4 s in, the
# recovery INFO with its failed_attempts, and lines outside the span.
CONTROLLER_LOG = """\
time=2026-12-07T14:11:50.000Z level=WARN msg="before the fault"
time=2026-12-07T14:12:04.250Z level=WARN \
msg="actuation failing: the current desired units will be re-sent until acknowledged" \
actuator=webhook:prescale target=web err="attempt 1 of 5, retried: HTTP 500"
time=2026-12-07T14:12:30.000Z level=INFO msg=scaling target=web from=3 to=4 reason=forecast
time=2026-12-07T14:14:01.000Z level=INFO msg="actuation recovered" actuator=webhook:prescale targets=2 last_target=web \
failing_for=1m59s failed_attempts=63
time=2026-12-07T14:15:31.000Z level=INFO msg="state file saved again" failing_for=2m5s failed_attempts=25
"""


class FailedAttempts(unittest.TestCase):
    def test_targets_only_where_the_line_has_them(self):
        logs = [(10.0, "INFO", "actuation recovered", "targets=10 last_target=web failing_for=2m failed_attempts=338"),
                (11.0, "INFO", "state file saved again", "failing_for=2m failed_attempts=24"),
                (12.0, "INFO", "target data back", "failing_for=2m mytargets=3 failed_attempts=5")]
        self.assertEqual(soak_report.failed_attempts(logs, 0, 20),
                         "actuation recovered 338 (10 targets), state file saved again 24, target data back 5")


class FaultRow(unittest.TestCase):
    def row(self, log):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "controller.log"), "w") as f:
                f.write(log)
            logs = soak_report.log_lines(d, "controller.log")
            s = soak_report.datetime(2026, 12, 7, 14, 12, tzinfo=soak_report.timezone.utc).timestamp()
            return soak_report.fault_row(d, "webhook-500", s, s + 120, s + 210, logs, [])

    def test_warn_time_and_failed_attempts(self):
        cells = [c.strip() for c in self.row(CONTROLLER_LOG).split("|")[1:-1]]
        self.assertEqual(cells[2], "actuation failing: the current desired units will be re-sent until acknowledged"
                         " ×1")
        self.assertEqual(cells[3], "4 s")  # the WARN, after the fault's start
        self.assertEqual(cells[4], "actuation recovered ×1")
        self.assertEqual(cells[5], "actuation recovered 63 (2 targets)")

    def test_none(self):
        cells = [c.strip() for c in self.row("").split("|")[1:-1]]
        self.assertEqual(cells[2:6], ["none"] * 4)


if __name__ == "__main__":
    unittest.main()
