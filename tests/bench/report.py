#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Aggregates the raw runs of tests/bench/run.sh: medians per configuration, the ratios
to the floors (computed within each round, then the median), the targets; prints a table
and writes the JSON file. Standard library only."""
import argparse
import json
import statistics
import sys

FIELDS = ("rps", "p50_ms", "p90_ms", "p99_ms", "max_ms", "cpu_us_per_req", "sched_us_per_req",
          "ctxsw_per_req", "seconds", "self_cpu_us_per_req")
MEM = ("rss_kb", "hwm_kb", "rss_anon_kb", "rss_file_kb")

# The targets of the issue (figures to report against, not tests).
T_LAT_EXCESS_MS = 0.15
T_RPS_FRACTION = 0.85
T_CPU_US = 40.0
T_RSS_KB = 8 * 1024
T_SCALING = 0.90


def med(v):
    v = [x for x in v if x is not None]
    return round(statistics.median(v), 3) if v else None


def key(r):
    return (r["part"], r["kind"], r["mode"], r["sessions"], r["window"], r["target"])


def aggregate(rows):
    groups = {}
    for r in rows:
        groups.setdefault(key(r), []).append(r)
    out = {}
    for k, rs in groups.items():
        a = {"part": k[0], "kind": k[1], "mode": k[2], "sessions": k[3], "window": k[4],
             "target": k[5], "runs": len(rs)}
        if k[1] == "codec":
            for f in rs[0]["r"]:
                a[f] = med([x["r"].get(f) for x in rs])
        else:
            for f in FIELDS:
                if any(f in x["r"] for x in rs):
                    a[f] = med([x["r"].get(f) for x in rs])
            for f in MEM:
                if any(f in x["r"] for x in rs):
                    a[f] = max(x["r"].get(f, 0) for x in rs)
            a["requests"] = rs[0]["r"].get("requests")
            a["errors"] = sum(x["r"].get("errors", 0) for x in rs)
            a["epp_errors"] = sum(x["r"].get("epp_errors", 0) for x in rs)
        out[k] = a
    return out


def per_round(rows, fa, fb, fn):
    """The median over rounds of fn(a, bs): a a run matching fa, bs the runs matching fb of
    the same round and group (run right before a)."""
    vals = []
    for a in rows:
        if not fa(a):
            continue
        bs = [b["r"] for b in rows if b["rep"] == a["rep"] and
              b.get("group") == a.get("group") and fb(b)]
        if bs:
            vals.append(fn(a["r"], bs))
    return med(vals), vals


def sel(part, kind, mode, s, w):
    return lambda r: (r["part"], r["kind"], r["mode"], r["sessions"], r["window"]) == \
        (part, kind, mode, s, w)


def fmt(v, spec):
    return format(v, spec) if isinstance(v, (int, float)) else "-"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cores", type=int, default=0)
    ap.add_argument("--load-start", default="")
    ap.add_argument("--load-end", default="")
    ap.add_argument("--elapsed", type=int, default=0)
    ap.add_argument("--checks", default="{}")
    ap.add_argument("--rev", default="")
    o = ap.parse_args()

    rows = [json.loads(line) for line in open(o.raw) if line.strip()]
    agg = aggregate(rows)
    checks = json.loads(o.checks or "{}")
    lines = []
    p = lines.append

    def get(part, kind, mode, s, w):
        for k, a in agg.items():
            if k[:5] == (part, kind, mode, s, w):
                return a
        return {}

    p("epp-gate benchmarks (figures, not pass/fail): %d cores; load average %s at the start, "
      "%s at the end; median of %d runs; %d s in all%s" % (
          o.cores, o.load_start, o.load_end, o.runs, o.elapsed,
          "; revision " + o.rev if o.rev else ""))
    p("The load generator, RabbitMQ, epp-gate and epp-sim share these cores: compare ratios "
      "within this run, not absolute figures across machines.")

    # ---- floors
    p("")
    p("Floors (same run, same load generator):")
    p("  %-52s %8s %8s %8s %8s %6s" % ("", "req/s", "p50 ms", "p99 ms", "CPU us", "errors"))
    broker, eppf = [], []
    for m, w in (("check", 1), ("check", 16), ("check", 64), ("mix", 1), ("mix", 16),
                 ("mix", 64)):
        a = get("full", "broker", m, 0, w)
        broker.append(a)
        p("  %-52s %8s %8s %8s %8s %6s" % (
          "broker round trip (eg-responder), %s, %d in flight" % (m, w),
          fmt(a.get("rps"), ".0f"), fmt(a.get("p50_ms"), ".3f"), fmt(a.get("p99_ms"), ".3f"),
          fmt(a.get("sched_us_per_req"), ".1f"), a.get("errors", "-")))
    for s in (1, 16):
        for m in ("check", "mix"):
            a = get("full", "floor", m, s, s)
            eppf.append(a)
            p("  %-52s %8s %8s %8s %8s %6s" % (
              "EPP, gate session code (eg-eppfloor), %s, %d sess." % (m, s),
              fmt(a.get("rps"), ".0f"), fmt(a.get("p50_ms"), ".3f"),
              fmt(a.get("p99_ms"), ".3f"), fmt(a.get("self_cpu_us_per_req"), ".1f"),
              a.get("errors", "-")))
    p("  CPU us: per request, of eg-responder (its threads' schedstat) and of eg-eppfloor "
      "(getrusage): what the AMQP side and the EPP side of the gate's work cost on their own.")

    # ---- full path
    p("")
    p("Full path: eg-load -> RabbitMQ -> epp-gate -> epp-sim (latency 0):")
    p("  %-6s %4s %4s %8s %8s %8s %8s %8s %7s %7s %7s %7s %7s %6s" % (
        "mode", "sess", "win", "req/s", "p50 ms", "p99 ms", "CPU us", "(sched)", "ctxsw",
        "RSS MB", "HWM MB", "%broker", "excess", "errors"))
    full = []
    for s in (1, 16):
        for m in ("check", "mix"):
            for w in (1, 16, 64):
                a = get("full", "full", m, s, w)
                if not a:
                    continue
                frac, _ = per_round(rows, sel("full", "full", m, s, w),
                                    sel("full", "broker", m, 0, w),
                                    lambda x, ys: x["rps"] / ys[0]["rps"])
                a["rps_fraction_of_broker_floor"] = frac
                ex = None
                if w == s:
                    ex, _ = per_round(rows, sel("full", "full", m, s, w), lambda r: (
                        sel("full", "broker", m, 0, w)(r) or
                        sel("full", "floor", m, s, s)(r)),
                        lambda x, ys: x["p50_ms"] - sum(y["p50_ms"] for y in ys)
                        if len(ys) == 2 else None)
                a["p50_excess_over_floors_ms"] = ex
                full.append(a)
                p("  %-6s %4d %4d %8s %8s %8s %8s %8s %7s %7s %7s %7s %7s %6s" % (
                    m, s, w, fmt(a.get("rps"), ".0f"), fmt(a.get("p50_ms"), ".3f"),
                    fmt(a.get("p99_ms"), ".3f"), fmt(a.get("cpu_us_per_req"), ".1f"),
                    fmt(a.get("sched_us_per_req"), ".1f"), fmt(a.get("ctxsw_per_req"), ".1f"),
                    fmt(a.get("rss_kb", 0) / 1024 if a.get("rss_kb") else None, ".1f"),
                    fmt(a.get("hwm_kb", 0) / 1024 if a.get("hwm_kb") else None, ".1f"),
                    fmt(frac * 100 if frac is not None else None, ".0f"), fmt(ex, ".3f"),
                    a.get("errors")))
    p("  CPU us: the gate's utime+stime (/proc/PID/stat, 10 ms ticks) per request over the "
      "timed phase; (sched): the same from its threads' schedstat (ns); ctxsw: the gate's "
      "context switches per request; %broker: req/s as a share of the broker floor at the "
      "same window; excess: p50 - (broker floor p50 + EPP floor p50), ms, where the window "
      "is the sessions. Ratios are taken per round against the floor run just before, "
      "then the median.")

    # ---- targets
    targets = []

    def target(name, value, goal, met, detail=""):
        targets.append({"name": name, "value": value, "target": goal, "met": met,
                        "detail": detail})

    for m in ("check", "mix"):
        ex, exs = per_round(
            rows, sel("full", "full", m, 1, 1), lambda r: (
                sel("full", "broker", m, 0, 1)(r) or sel("full", "floor", m, 1, 1)(r)),
            lambda x, ys: x["p50_ms"] - sum(y["p50_ms"] for y in ys) if len(ys) == 2 else None)
        target("1 in flight, 1 session, %s: gate p50 - (broker floor p50 + EPP floor p50), ms"
               % m, ex, "<= %.2f" % T_LAT_EXCESS_MS,
               ex is not None and ex <= T_LAT_EXCESS_MS,
               "per round: %s" % [round(x, 3) for x in exs if x is not None])
    for m in ("check", "mix"):
        fr, frs = per_round(rows, sel("full", "full", m, 16, 16),
                            sel("full", "broker", m, 0, 16),
                            lambda x, ys: x["rps"] / ys[0]["rps"])
        target("16 in flight, 16 sessions, %s: gate req/s / broker floor req/s" % m, fr,
               ">= %.2f" % T_RPS_FRACTION, fr is not None and fr >= T_RPS_FRACTION,
               "per round: %s" % [round(x, 3) for x in frs])
    cpus = [(a["mode"], a["sessions"], a["window"], a.get("cpu_us_per_req")) for a in full
            if a.get("cpu_us_per_req") is not None]
    for m, s in (("check", 1), ("check", 16), ("mix", 16)):
        fl, fls = per_round(rows, sel("full", "full", m, s, s), lambda r: (
            sel("full", "broker", m, 0, s)(r) or sel("full", "floor", m, s, s)(r)),
            lambda x, ys: (x.get("sched_us_per_req", 0) - sum(
                y.get("sched_us_per_req", y.get("self_cpu_us_per_req", 0)) for y in ys))
            if len(ys) == 2 else None)
        a = get("full", "full", m, s, s)
        if fl is not None:
            p("  gate CPU per request beyond the floors' own (eg-responder + eg-eppfloor), %s, "
              "%d sess., %d in flight: %.1f us of %.1f" % (m, s, s, fl, a.get("sched_us_per_req",
                                                                                0)))
            a["cpu_us_beyond_floors"] = fl
    if cpus:
        best = min(cpus, key=lambda c: c[3])
        worst = max(cpus, key=lambda c: c[3])
        target("gate CPU per request, us (utime+stime)", best[3], "<= %.0f" % T_CPU_US,
               worst[3] <= T_CPU_US,
               "best %s/%d sess./%d in flight %.1f, worst %s/%d sess./%d in flight %.1f; met in "
               "%d of %d configurations" % (best + worst[:3] + (worst[3],) + (
                   sum(1 for c in cpus if c[3] <= T_CPU_US), len(cpus))))
    rss16 = max([a.get("rss_kb", 0) for a in full if a["sessions"] == 16] or [0])
    hwm16 = max([a.get("hwm_kb", 0) for a in full if a["sessions"] == 16] or [0])
    anon16 = max([a.get("rss_anon_kb", 0) for a in full if a["sessions"] == 16] or [0])
    if rss16:
        target("gate RSS with 16 sessions, MB (VmRSS; VmHWM)", round(rss16 / 1024, 1),
               "<= %.0f" % (T_RSS_KB / 1024), hwm16 <= T_RSS_KB,
               "VmHWM %.1f MB; of VmRSS, anonymous %.1f MB, file-backed (libraries) %.1f MB" % (
                   hwm16 / 1024, anon16 / 1024, (rss16 - anon16) / 1024))

    # ---- scaling
    p("")
    p("Session scaling: epp-sim --latency 20, as many in flight as sessions; ideal = "
      "sessions x 50/s:")
    p("  %4s %6s %8s %8s %8s %8s %8s %10s %8s %10s %8s" % (
        "sess", "ideal", "req/s", "of ideal", "p50 ms", "p99 ms", "CPU us", "EPP floor",
        "of ideal", "brk floor", "of ideal"))
    scaling = []
    for s in (1, 4, 16, 64):
        a = get("scaling", "full", "check", s, s)
        f = get("scaling", "floor", "check", s, s)
        b = get("scaling", "broker", "check", 0, s)
        if not a:
            continue
        ideal = s * 50
        row = {"sessions": s, "ideal_rps": ideal, "rps": a.get("rps"),
               "fraction_of_ideal": round(a["rps"] / ideal, 3) if a.get("rps") else None,
               "p50_ms": a.get("p50_ms"), "p99_ms": a.get("p99_ms"),
               "cpu_us_per_req": a.get("cpu_us_per_req"), "errors": a.get("errors"),
               "rss_kb": a.get("rss_kb"), "hwm_kb": a.get("hwm_kb"),
               "epp_floor_rps": f.get("rps"),
               "sched_us_per_req": a.get("sched_us_per_req"),
               "ctxsw_per_req": a.get("ctxsw_per_req"),
               "epp_floor_fraction_of_ideal": round(f["rps"] / ideal, 3) if f.get("rps") else None,
               "epp_floor_p50_ms": f.get("p50_ms"),
               "broker_floor_rps": b.get("rps"), "broker_floor_p50_ms": b.get("p50_ms"),
               "broker_floor_fraction_of_ideal": round(b["rps"] / ideal, 3) if b.get("rps")
               else None}
        scaling.append(row)
        p("  %4d %6d %8s %8s %8s %8s %8s %10s %8s %10s %8s" % (
            s, ideal, fmt(row["rps"], ".0f"), fmt(row["fraction_of_ideal"], ".1%"),
            fmt(row["p50_ms"], ".2f"), fmt(row["p99_ms"], ".2f"),
            fmt(row["sched_us_per_req"], ".1f"),
            fmt(row["epp_floor_rps"], ".0f"), fmt(row["epp_floor_fraction_of_ideal"], ".1%"),
            fmt(row["broker_floor_rps"], ".0f"),
            fmt(row["broker_floor_fraction_of_ideal"], ".1%")))
    p("  CPU us: the gate's, from schedstat (at these rates a 10 ms tick is too coarse); "
      "EPP floor: eg-eppfloor with as many sessions; brk floor: as many eg-responders, "
      "each answering one request at a time after 20 ms.")
    upto16 = [r for r in scaling if r["sessions"] <= 16 and r["fraction_of_ideal"] is not None]
    if upto16:
        worst = min(upto16, key=lambda r: r["fraction_of_ideal"])
        target("20 ms registry: req/s as a share of sessions x 50/s, up to 16 sessions (worst)",
               worst["fraction_of_ideal"], ">= %.2f" % T_SCALING,
               worst["fraction_of_ideal"] >= T_SCALING,
               "; ".join("%d sess. %.1f%%" % (r["sessions"], r["fraction_of_ideal"] * 100)
                         for r in scaling if r["fraction_of_ideal"] is not None))

    # ---- large replies
    p("")
    p("Large replies (1 in flight, 1 session):")
    p("  %-52s %8s %8s %8s %10s" % ("", "req/s", "p50 ms", "p99 ms", "full-floor"))
    large = {}
    for kind, m, label in (
            ("full", "big-check", "domain_check of 50 names, full path"),
            ("floor", "big-check", "domain_check of 50 names, EPP floor"),
            ("full", "big-info", "domain_info with a ~100 KB reply, full path"),
            ("floor", "big-info", "domain_info with a ~100 KB reply, EPP floor")):
        a = get("large", kind, m, 1, 1)
        large["%s_%s" % (m.replace("-", "_"), kind)] = {
            k: a.get(k) for k in ("rps", "p50_ms", "p99_ms", "cpu_us_per_req", "errors",
                                  "epp_errors", "hwm_kb")}
        d = None
        if kind == "full":
            d, _ = per_round(rows, sel("large", "full", m, 1, 1), sel("large", "floor", m, 1, 1),
                             lambda x, ys: x["p50_ms"] - ys[0]["p50_ms"])
            large["%s_%s" % (m.replace("-", "_"), kind)]["p50_over_epp_floor_ms"] = d
        p("  %-52s %8s %8s %8s %10s" % (label, fmt(a.get("rps"), ".0f"), fmt(a.get("p50_ms"), ".3f"),
                                        fmt(a.get("p99_ms"), ".3f"), fmt(d, ".3f")))
    p("  full-floor: p50 of the full path minus the EPP floor's (broker and gate), ms.")
    p("  sample replies through the gate: domain_check %s (%s cd entries); domain_info %s "
      "(%s bytes of JSON)" % (
          "ok" if checks.get("big_check_ok") else "WRONG", checks.get("big_check_cd_entries",
                                                                      "?"),
          "ok" if checks.get("big_info_ok") else "WRONG", checks.get("big_info_reply_bytes",
                                                                     "?")))
    large["checks"] = checks

    # ---- codec
    codec = {}
    for k, a in agg.items():
        if k[1] == "codec":
            codec = {f: v for f, v in a.items() if f not in (
                "part", "kind", "mode", "sessions", "window", "target")}
    p("")
    p("Codec (bench_codec, one thread):")
    for pre, label in (("x2j", "XML -> JSON, anchor responses"),
                       ("x2j_large", "XML -> JSON, ~100 KB domain info"),
                       ("j2x", "JSON -> XML, anchor requests")):
        if pre + "_docs_per_s" in codec:
            p("  %-36s %10.0f documents/s %8.2f MB/s" % (
                label, codec[pre + "_docs_per_s"], codec[pre + "_mb_per_s"]))

    # ---- targets
    p("")
    p("Targets (to report against):")
    for t in targets:
        v = t["value"]
        p("  %-7s %s: %s (target %s)%s" % (
            "MET" if t["met"] else "MISSED", t["name"],
            fmt(v, ".3f") if isinstance(v, float) else v, t["target"],
            "; " + t["detail"] if t["detail"] else ""))
    bad = [a for a in agg.values() if a.get("errors")]
    if bad:
        p("")
        p("Runs with errors (gate errors, timeouts):")
        for a in bad:
            p("  %s %s %s sessions %s window %s: %s errors" % (
                a["part"], a["kind"], a["mode"], a["sessions"], a["window"], a["errors"]))
    print("\n".join(lines))

    res = {"machine": {"cores": o.cores, "load_start": o.load_start.split(),
                       "load_end": o.load_end.split()},
           "runs": o.runs, "elapsed_s": o.elapsed, "revision": o.rev,
           "broker_floor": [a for a in broker if a], "epp_floor": [a for a in eppf if a],
           "full_path": full, "scaling": scaling, "large": large, "codec": codec,
           "targets": targets, "raw": rows}
    with open(o.out, "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")
    print("\n(JSON: %s)" % o.out)
    ok = checks.get("big_check_ok") and checks.get("big_info_ok")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
