"""Tests of scripts/soak_receiver.py's --listen check (make test-scripts)."""

import argparse
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import soak_receiver  # noqa: E402


class Listen(unittest.TestCase):
    def test_loopback_accepted(self):
        for value, want in [
            ("127.0.0.1:9999", ("127.0.0.1", 9999)),
            ("127.1.2.3:80", ("127.1.2.3", 80)),
            ("localhost:65535", ("localhost", 65535)),
        ]:
            self.assertEqual(soak_receiver.loopback_address(value), want, value)

    def test_other_hosts_refused(self):
        # An empty host or 0.0.0.0 binds every interface; the server is
        # IPv4 only, so ::1 would not bind at all.
        for value in [":9999", "0.0.0.0:9999", "[::]:9999", "10.0.0.1:9999", "example.com:9999", "[::1]:9999", "::1:9999"]:
            with self.assertRaisesRegex(argparse.ArgumentTypeError, "loopback only", msg=value):
                soak_receiver.loopback_address(value)

    def test_bad_port_refused(self):
        for value in ["127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:x"]:
            with self.assertRaisesRegex(argparse.ArgumentTypeError, "PORT in", msg=value):
                soak_receiver.loopback_address(value)

    def test_echo_cut(self):
        value = "h" * 5000 + ":80"
        with self.assertRaises(argparse.ArgumentTypeError) as cm:
            soak_receiver.loopback_address(value)
        msg = str(cm.exception)
        self.assertLess(len(msg), 300, msg)
        self.assertIn("h" * soak_receiver.MAX_ECHOED + "...", msg)


if __name__ == "__main__":
    unittest.main()
