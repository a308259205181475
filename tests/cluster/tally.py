#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Counting what the cluster tests' load (load_client.py) got, for tests/cluster/*.sh.

  tally.py answers REQUESTS REPLIES SIMLOG HELD
      one "key value" line per count (see below); HELD lists the message_ids of the
      creates the killed gate held as sent (one a line): the only ones that may be
      answered "outcome unknown". "list KEY ID..." lines name the requests behind a
      count that should be 0.
  tally.py resume GATELOG START UNTIL
      seconds from START (seconds since the epoch) until the gate logged its next
      finished request after its next "broker: connected to" line (when it connected
      again between START and UNTIL; otherwise after START): "resume S lost L", L the
      seconds from START until the gate saw its broker connection fail ("none": it did
      not before it connected again, or UNTIL); S "none" when it served nothing
  tally.py gap REPLIES START END
      the longest time without a reply between START and END: "gap S"
  tally.py sample REQUESTS REPLIES N
      N request lines of creates told 1000, spread over the load

Replies are JSON: an EPP reply carries epp.response.result.@code, a gate error
{"error": ..., "code": ...}. epp-sim's command log lines read
"... cmd=domain:create cltrid=X code=1000 obj=NAME [fault=KIND]" (a code: executed).
"""
import calendar
import json
import re
import sys
import time
from collections import defaultdict


def code_of(reply):
    try:
        r = json.loads(reply)
    except ValueError:
        return "unparsable"
    if not isinstance(r, dict):
        return "unparsable"
    if "error" in r:
        return "error:" + str(r.get("code") or "none")
    try:
        return str(r["epp"]["response"]["result"]["@code"])
    except (KeyError, TypeError):
        return "nocode"


def read_replies(path):
    got = {}
    try:
        with open(path) as f:
            for line in f:
                rid, t, reply = line.rstrip("\n").split("\t", 2)
                got.setdefault(rid, []).append((float(t), reply))
    except FileNotFoundError:
        pass
    return got


def answers(reqfile, repfile, simlog, heldfile):
    reqs = {}
    with open(reqfile) as f:
        for line in f:
            rid, body = line.rstrip("\n").split("\t", 1)
            reqs[rid] = json.loads(body)
    first = {rid: v[0][1] for rid, v in read_replies(repfile).items()}
    dups = read_replies(repfile + ".dup")
    held = set()
    with open(heldfile) as f:
        held = {line.strip() for line in f if line.strip()}
    seen = defaultdict(int)     # create commands that reached the registry, by name
    ran = defaultdict(int)      # of those, executed (a result code logged)
    pat = re.compile(r" cmd=domain:create .*?obj=(\S+)")
    with open(simlog) as f:
        for line in f:
            m = pat.search(line)
            if m:
                seen[m.group(1)] += 1
                if re.search(r" code=\d+ ", line):
                    ran[m.group(1)] += 1
    c = defaultdict(int)
    lists = defaultdict(list)
    for rid, req in reqs.items():
        create = req["cmd"] == "domain_create"
        c["creates" if create else "queries"] += 1
        if rid not in first:
            c["missing"] += 1
            lists["missing"].append(rid)
            continue
        code = code_of(first[rid])
        if not create:
            c["query_" + ("1000" if code == "1000" else "other")] += 1
            if code != "1000":
                lists["query_other"].append("%s=%s" % (rid, code))
            continue
        name = req["args"]["name"]
        if seen[name] > 1:
            c["create_sent_twice"] += 1
            lists["create_sent_twice"].append(rid)
        if code == "1000":
            c["create_1000"] += 1
            if ran[name] != 1 or seen[name] != 1:
                c["create_1000_not_once"] += 1
                lists["create_1000_not_once"].append("%s=%d" % (rid, ran[name]))
        elif code == "2302":
            c["create_2302"] += 1
            lists["create_2302"].append(rid)
        elif code == "error:outcome_unknown":
            c["create_unknown"] += 1
            c["create_unknown_ran_%d" % min(ran[name], 2)] += 1
            if rid not in held:
                c["create_unknown_not_held"] += 1
                lists["create_unknown_not_held"].append(rid)
        else:
            c["create_other"] += 1
            lists["create_other"].append("%s=%s" % (rid, code))
    # A request published more than once (not confirmed, or retried) has an answer per
    # copy: a create's must be the first one (from the journal), or, when its outcome is
    # unknown, say so again; a query's must have the same result code.
    for rid, copies in dups.items():
        for _, reply in copies:
            c["duplicates"] += 1
            same = reply == first.get(rid)
            if reqs.get(rid, {}).get("cmd") != "domain_create":
                # a query runs again: its own clTRID, the same answer
                same = code_of(reply) == code_of(first.get(rid, ""))
            both_unknown = (code_of(reply) == "error:outcome_unknown" and
                            code_of(first.get(rid, "")) == "error:outcome_unknown")
            if not same and not both_unknown:
                c["duplicates_differ"] += 1
                lists["duplicates_differ"].append("%s=%s/%s" % (
                    rid, code_of(first.get(rid, "")), code_of(reply)))
    c["held"] = len(held)
    keys = ["creates", "queries", "missing", "create_1000", "create_2302", "create_unknown",
            "create_unknown_ran_0", "create_unknown_ran_1", "create_unknown_ran_2",
            "create_unknown_not_held", "create_other", "create_sent_twice",
            "create_1000_not_once", "query_1000", "query_other", "duplicates",
            "duplicates_differ", "held"]
    for k in keys:
        print(k, c[k])
    for k, v in lists.items():
        print("list", k, " ".join(v[:20]))


TIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{3})Z ")


def log_time(line):
    m = TIME.match(line)
    if not m:
        return None
    return calendar.timegm(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")) + \
        int(m.group(2)) / 1000.0


def resume(gatelog, start, until):
    start, until = float(start), float(until)
    after = start
    lost = None
    lines = []
    with open(gatelog, errors="replace") as f:
        for line in f:
            t = log_time(line)
            if t is not None and t >= start:
                lines.append((t, line))
    for t, line in lines:
        if t > until:
            break
        if lost is None and " broker " in line and "reconnecting in" in line:
            lost = t
        if "broker: connected to" in line:
            after = t
            break
    lost = "none" if lost is None else "%.1f" % (lost - start)
    for t, line in lines:
        if t >= after and " request cmd=" in line:
            print("resume %.1f lost %s" % (t - start, lost))
            return 0
    print("resume none lost %s" % lost)
    return 0


def gap(repfile, start, end):
    start, end = float(start), float(end)
    times = sorted(t for v in read_replies(repfile).values() for t, _ in v
                   if start <= t <= end)
    prev, longest = start, 0.0
    for t in times + [end]:
        longest = max(longest, t - prev)
        prev = t
    print("gap %.1f" % longest)
    return 0


def sample(reqfile, repfile, want):
    first = {rid: v[0][1] for rid, v in read_replies(repfile).items()}
    with open(reqfile) as f:
        lines = [line.rstrip("\n") for line in f]
    told = [line for line in lines if json.loads(line.split("\t", 1)[1])["cmd"] ==
            "domain_create" and code_of(first.get(line.split("\t", 1)[0], "")) == "1000"]
    step = max(1, len(told) // int(want))
    for line in told[::step][:int(want)]:
        print(line)
    return 0


def main(argv):
    if len(argv) >= 5 and argv[1] == "sample":
        return sample(argv[2], argv[3], argv[4])
    if len(argv) >= 6 and argv[1] == "answers":
        return answers(*argv[2:6])
    if len(argv) >= 5 and argv[1] == "resume":
        return resume(argv[2], argv[3], argv[4])
    if len(argv) >= 5 and argv[1] == "gap":
        return gap(argv[2], argv[3], argv[4])
    print(__doc__.strip(), file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv) or 0)
