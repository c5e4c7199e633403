#!/usr/bin/env python3
"""Prints the markdown summary of a soak's directory (scripts/soak.sh).

Reads events.tsv (the faults' start and end), samples/EPOCH.prom (the
controller's /metrics each minute), probes.tsv (/readyz's status and
/api/system/health's answer every 2 s), controller.log, receiver.log and
the state files kept at the restart.
"""

import glob
import json
import os
import re
import sys
from datetime import datetime, timezone

CYCLE = "prescale_cycle_duration_seconds"
GAUGES = ["go_goroutines", "process_open_fds", "go_memstats_heap_inuse_bytes",
          "process_resident_memory_bytes"]
LOG_LINE = re.compile(r'^time=(\S+) level=(\w+) msg=("(?:[^"\\]|\\.)*"|\S+)(.*)$')


def read_events(d):
    faults, marks = [], {}
    with open(os.path.join(d, "events.tsv")) as f:
        for line in f:
            t, name, what = line.rstrip("\n").split("\t")
            marks[(name, what)] = float(t)
            if what == "start" and name != "soak":
                faults.append(name)
    return faults, marks


def parse_prom(path):
    vals, buckets = {}, {}
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            name_labels, _, value = line.rpartition(" ")
            try:
                v = float(value)
            except ValueError:
                continue
            name = name_labels.split("{", 1)[0]
            if name in GAUGES or name in (CYCLE + "_count", CYCLE + "_sum"):
                vals[name] = v
            elif name == CYCLE + "_bucket":
                le = re.search(r'le="([^"]+)"', name_labels).group(1)
                buckets[float(le)] = v
    return vals, buckets


def samples(d):
    out = []
    for p in sorted(glob.glob(os.path.join(d, "samples", "*.prom"))):
        t = int(os.path.basename(p).split(".")[0])
        vals, buckets = parse_prom(p)
        if vals:
            out.append((t, vals, buckets))
    return out


def phase_at(t, faults, marks):
    cur = "warm-up"
    for name in faults:
        s = marks.get((name, "start"))
        e = marks.get((name, "end"), s)
        if s is None or t < s:
            break
        cur = name if t < e else "after " + name
    return cur


def cycle_cells(prev, cur):
    """Cycles between two samples: count, mean ms, and the bucket bound the
    slowest fell under."""
    if prev is None:
        return "", "", ""
    (_, pv, pb), (_, cv, cb) = prev, cur
    n = cv.get(CYCLE + "_count", 0) - pv.get(CYCLE + "_count", 0)
    if n <= 0:
        return "0", "", ""
    mean = (cv.get(CYCLE + "_sum", 0) - pv.get(CYCLE + "_sum", 0)) / n * 1000
    top = ""
    for le in sorted(cb):
        if cb[le] - pb.get(le, 0) >= n:
            top = "+Inf" if le == float("inf") else f"{le * 1000:g}"
            break
    return f"{n:.0f}", f"{mean:.0f}", top


def minute_table(d, faults, marks):
    ss = samples(d)
    t0 = marks.get(("soak", "start"), ss[0][0] if ss else 0)
    rows = ["| min | phase | goroutines | open fds | heap in use MB | RSS MB | cycles | mean ms | slowest ≤ ms |",
            "|---|---|---|---|---|---|---|---|---|"]
    prev = None
    for s in ss:
        t, v, _ = s
        if prev is not None and prev[1].get(CYCLE + "_count", 0) > v.get(CYCLE + "_count", 0):
            prev = None  # a restart between the samples
        n, mean, top = cycle_cells(prev, s)
        rows.append("| %.0f | %s | %.0f | %.0f | %.1f | %.1f | %s | %s | %s |" % (
            max(0, (t - t0) / 60), phase_at(t, faults, marks), v.get("go_goroutines", 0),
            v.get("process_open_fds", 0), v.get("go_memstats_heap_inuse_bytes", 0) / 1e6,
            v.get("process_resident_memory_bytes", 0) / 1e6, n, mean, top))
        prev = s
    return rows


def log_lines(d, name):
    out = []
    with open(os.path.join(d, name), errors="replace") as f:
        for line in f:
            m = LOG_LINE.match(line)
            if not m:
                continue
            ts = datetime.fromisoformat(m.group(1).replace("Z", "+00:00")).timestamp()
            out.append((ts, m.group(2), m.group(3).strip('"'), m.group(4)))
    return out


def probes(d):
    out = []
    with open(os.path.join(d, "probes.tsv")) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t", 2)
            if len(parts) < 3:
                continue
            try:
                h = json.loads(parts[2])
            except ValueError:
                h = None
            out.append((float(parts[0]), parts[1], h))
    return out


def health_word(h):
    if not isinstance(h, dict):
        return "no answer"
    bad = [c["name"] for c in h.get("components", []) if not c.get("healthy")]
    return h.get("status", "?") + (" (" + ", ".join(sorted(set(bad))) + ")" if bad else "")


def before_of(ps, t):
    """The health before t, as health_word says it."""
    last = None
    for pt, ready, h in ps:
        if pt >= t:
            break
        last = (ready, health_word(h))
    return last


def first_after(ps, t, pred):
    for pt, ready, h in ps:
        if pt >= t and pred(ready, h):
            return pt - t
    return None


def all_acked(ready, h):
    return isinstance(h, dict) and not any(a.get("pending") or a.get("failing") for a in h.get("actuation") or [])


def back_to(before):
    """Whether /readyz and the health are as they were before the fault."""
    return lambda ready, h: (ready, health_word(h)) == before


def secs(x):
    return "never" if x is None else f"{x:.0f} s"


def window(faults, marks, i):
    s = marks[(faults[i], "start")]
    e = marks.get((faults[i], "end"), s)
    nxt = marks.get((faults[i + 1], "start")) if i + 1 < len(faults) else marks.get(("soak", "end"))
    return s, e, nxt if nxt is not None else float("inf")


def counted(words):
    seen = {}
    for w in words:
        seen[w] = seen.get(w, 0) + 1
    return ", ".join(f"{w} ×{n}" for w, n in seen.items()) or "none"


def desired_changed(ps, s, e):
    seen = {}
    for pt, _, h in ps:
        if s <= pt <= e and isinstance(h, dict):
            for a in h.get("actuation") or []:
                seen.setdefault(a.get("target"), set()).add(a.get("desired_units"))
    return sorted(t for t, v in seen.items() if len(v) > 1)


def receiver_first(d, path, t):
    with open(os.path.join(d, "receiver.log")) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[1] == path and float(parts[0]) >= t:
                return float(parts[0]) - t
    return None


FAILED_ATTEMPTS = re.compile(r"(?:^|\s)failed_attempts=(\d+)")
TARGETS = re.compile(r"(?:^|\s)targets=(\d+)")


def warns_after(logs, s, w):
    """When each WARN line from s to w came, in seconds after s, in order."""
    return ", ".join(secs(t - s) for t, lvl, _, _ in logs if s <= t < w and lvl == "WARN") or "none"


def failed_attempts(logs, s, w):
    """The failed_attempts of each outage-end INFO line (with failing_for)
    from s to w, after its message: the actuators' attempts, the history
    source's cycles, the state file's saves; with the line's targets (an
    actuator's recovery: how many targets failed, which the attempts are
    spread over) when it has them."""
    out = []
    for t, lvl, m, rest in logs:
        if s <= t < w and lvl == "INFO" and "failing_for=" in rest:
            n = FAILED_ATTEMPTS.search(rest)
            if n:
                k = TARGETS.search(rest)
                out.append(f"{m} {n.group(1)}" + (f" ({k.group(1)} targets)" if k else ""))
    return ", ".join(out) or "none"


def fault_row(d, name, s, e, w, logs, ps):
    warns = [m for t, lvl, m, _ in logs if s <= t < w and lvl == "WARN"]
    infos = [m for t, lvl, m, rest in logs if s <= t < w and lvl == "INFO" and "failing_for=" in rest]
    during = [(r, h) for pt, r, h in ps if s <= pt <= e]
    notes = []
    if name == "prometheus":
        ch = desired_changed(ps, s, e)
        notes.append("decisions changed: " + ", ".join(ch) if ch else "no decision changed")
    if name == "alertmanager":
        notes.append("first notification " + secs(receiver_first(d, "/alertmanager", e)) + " after its start")
    if name.startswith("webhook"):
        notes.append("all acknowledged " + secs(first_after(ps, e, all_acked)) + " after the receiver's return")
    return "| %s | %.0f s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
        name, e - s, counted(warns), warns_after(logs, s, w), counted(infos), failed_attempts(logs, s, w),
        counted(r for r, _ in during),
        counted(health_word(h) for _, h in during), secs(first_after(ps, e, back_to(before_of(ps, s)))),
        "; ".join(notes))


def acks_of(h):
    return {a["target"]: a.get("acknowledged_units") for a in (h or {}).get("actuation") or []}


def restart_lines(d, marks, logs, ps):
    s, stopped = marks.get(("restart", "start")), marks.get(("restart", "stopped"))
    e = marks.get(("restart", "end"))
    if s is None or e is None:
        return ["The restart did not complete."]
    before = [h for pt, _, h in ps if pt < s and isinstance(h, dict)]
    after = [h for pt, _, h in ps if pt >= e and isinstance(h, dict) and h.get("actuation")]
    a0, a1 = acks_of(before[-1] if before else None), acks_of(after[0] if after else None)
    try:
        with open(os.path.join(d, "state-at-stop.json")) as f:
            state = json.load(f)
        kept = "read as JSON, %d bytes" % os.path.getsize(os.path.join(d, "state-at-stop.json"))
    except (OSError, ValueError) as err:
        state, kept = None, "unreadable: %s" % err
    warns = [m for t, lvl, m, _ in logs if stopped <= t < e + 30 and lvl == "WARN"]
    same = a0 == a1 and bool(a0)
    if not after:  # a short soak ends a second after the restart
        acks = "not compared (no health answer after the restart)"
    else:
        acks = f"{'the same' if same else 'DIFFER'} ({len(a0)} targets before, {len(a1)} after)" + (
            "" if same else f": before {a0}, after {a1}")
    return [
        f"- stopped and ready again in {e - s:.1f} s; state file at stop {kept}" + (
            f" ({len(state.get('targets') or {})} targets)" if isinstance(state, dict) else ""),
        f"- acknowledged units before the stop and after the restart: {acks}",
        f"- WARN at the restart: {counted(warns)}",
    ]


def main():
    d = sys.argv[1]
    faults, marks = read_events(d)
    logs, ps = log_lines(d, "controller.log"), probes(d)
    when = datetime.fromtimestamp(marks.get(("soak", "start"), 0), timezone.utc)
    dur = (marks.get(("soak", "end"), 0) - marks.get(("soak", "start"), 0)) / 60
    out = [f"## Soak summary ({when:%Y-%m-%d %H:%M} UTC, {dur:.0f} min, {os.cpu_count()} cores)", "",
           "### Per minute (the controller's /metrics)", ""]
    out += minute_table(d, faults, marks)
    out += ["", "### Per fault", "",
            "WARN: the controller's WARN lines from the fault's start to the next fault's; "
            "WARN after start: when each came, after the fault's start, in order; "
            "INFO: its outage-end lines (with failing_for) in the same span; "
            "failed_attempts: each of those lines' failed_attempts (an actuator's: its failed attempts, over the targets in brackets); "
            "readyz and health: what /readyz and /api/system/health answered during the fault (every 2 s); "
            "as before after: from the fault's end to /readyz and the health "
            "(its status and unhealthy components) as they were before the fault.", "",
            "| fault | lasted | WARN | WARN after start | INFO (outage ended) | failed_attempts "
            "| /readyz during | health during | as before after | notes |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for i, name in enumerate(faults):
        if name != "restart":
            s, e, w = window(faults, marks, i)
            out.append(fault_row(d, name, s, e, w, logs, ps))
    out += ["", "### Restart", ""] + restart_lines(d, marks, logs, ps)
    print("\n".join(out))


if __name__ == "__main__":
    main()
