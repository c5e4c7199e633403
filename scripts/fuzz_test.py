"""Tests of scripts/fuzz.sh, which make fuzz and make test run (make test-scripts)."""

import os
import subprocess
import tempfile
import unittest

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fuzz.sh")

# A stand-in for go: it records its arguments and answers as STUB_<FuzzName>
# says (pass, deadline, crash, other).
STUB = """#!/usr/bin/env bash
echo "$*" >> "$STUB_CALLS"
fn=${5#^}; fn=${fn%$}
mode=STUB_$fn
case ${!mode:-pass} in
pass) echo "fuzz: elapsed: 1s, execs: 10 (10/sec)"; echo PASS; exit 0 ;;
deadline) printf -- '--- FAIL: %s (1.01s)\\n    context deadline exceeded\\nFAIL\\n' "$fn"; exit 1 ;;
crash) printf -- '--- FAIL: %s (0.50s)\\n    --- FAIL: %s (0.00s)\\n        x_test.go:9: boom\\n    Failing input written to testdata/fuzz/%s/0123\\n    context deadline exceeded\\nFAIL\\n' "$fn" "$fn" "$fn"; exit 1 ;;
other) printf -- '--- FAIL: %s (0.00s)\\n    --- FAIL: %s/seed#0 (0.00s)\\n        x_test.go:9: boom\\nFAIL\\n' "$fn" "$fn"; exit 1 ;;
esac
"""


class Fuzz(unittest.TestCase):
    def run_fuzz(self, fuzztime="10s", **modes):
        with tempfile.TemporaryDirectory() as tmp:
            stub = os.path.join(tmp, "go")
            with open(stub, "w") as f:
                f.write(STUB)
            os.chmod(stub, 0o755)
            calls = os.path.join(tmp, "calls")
            open(calls, "w").close()
            env = dict(os.environ, GO=stub, STUB_CALLS=calls, **{"STUB_" + k: v for k, v in modes.items()})
            p = subprocess.run(["bash", SCRIPT, fuzztime, "3s", "a/b:FuzzA", "c:FuzzB"],
                               env=env, capture_output=True, text=True, timeout=60)
            with open(calls) as f:
                return p.returncode, p.stdout, f.read().splitlines()

    def test_all_pass(self):
        rc, out, calls = self.run_fuzz(fuzztime="2000x")
        self.assertEqual(rc, 0, out)
        self.assertEqual(calls, [
            "test -run ^$ -fuzz ^FuzzA$ -fuzztime 2000x -fuzzminimizetime 3s ./a/b",
            "test -run ^$ -fuzz ^FuzzB$ -fuzztime 2000x -fuzzminimizetime 3s ./c",
        ])
        self.assertIn(">> fuzzing FuzzA in ./a/b for 2000x", out)
        self.assertIn(">> fuzzing FuzzB in ./c for 2000x", out)

    def test_deadline_without_input_passes(self):
        rc, out, calls = self.run_fuzz(FuzzA="deadline")
        self.assertEqual(rc, 0, out)
        self.assertEqual(len(calls), 2, "FuzzB runs after it")
        self.assertIn("--- FAIL: FuzzA", out)  # go's output is shown
        self.assertIn(">> FuzzA: the fuzzing coordinator failed at its deadline having found nothing (go.dev/issue/75804): passed", out)

    def test_crash_fails(self):
        # A crash found as the deadline came: its input was written.
        rc, out, calls = self.run_fuzz(FuzzA="crash")
        self.assertEqual(rc, 1, out)
        self.assertEqual(len(calls), 1, "stops at the first failure")
        self.assertIn("Failing input written to testdata/fuzz/FuzzA/0123", out)
        self.assertNotIn("passed", out)

    def test_other_failure_fails(self):
        rc, out, calls = self.run_fuzz(FuzzB="other")
        self.assertEqual(rc, 1, out)
        self.assertEqual(len(calls), 2)
        self.assertNotIn("passed", out)

    def test_usage(self):
        p = subprocess.run(["bash", SCRIPT, "10s"], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 2)
        self.assertIn("usage:", p.stderr)


if __name__ == "__main__":
    unittest.main()
