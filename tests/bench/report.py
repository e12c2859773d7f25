#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Turns a benchmark run (tests/bench/run.sh's output directory) into tables and a plot.

    report.py RUN_DIR                         writes RUN_DIR/results.md, summary.json,
                                              scaling.dat and scaling.png (gnuplot)
    report.py --publish RUN_DIR RESULTS_DIR BENCHMARKS.md
                                              copies them to RESULTS_DIR and puts results.md
                                              between the markers of BENCHMARKS.md

Statistics: for each A/B measure, min/median/p90/max of each side; the cost alcove adds is
median(A) - median(B), with a 95 % interval from a bootstrap over the A/B pairs (the pairs are
resampled together, so load shared by a pair stays shared). Pure Python, no packages.
"""

import csv
import json
import os
import random
import shutil
import subprocess
import sys

BEGIN = "<!-- bench:begin (tests/bench/report.py writes this part; do not edit) -->"
END = "<!-- bench:end -->"
BOOT = 2000

# measure -> (what it is, target in ms, what the target applies to)
TARGETS = {
    "login_first": ("first login of a user, alcove built (cgroup = none)", 5.0, "added"),
    "login_first_scope": ("first login with the systemd scope (nspawn, systemd 252)", 25.0,
                          "added"),
    "login_further": ("a further login while the alcove runs", 2.0, "added"),
    "login_tty": ("a further terminal login (ssh -tt: the pty relayed) while the alcove runs",
                  None, "added"),
    "login_aa": ("control: the same login on both sides, not selected (the noise floor)", None,
                 "added"),
    "pam_open_close": ("PAM open_session + close_session (pamtester, alcove running)", 3.0,
                       "added"),
    "pam_skip": ("PAM module, user not selected (policy read + decision)", None, "added"),
    "teardown": ("teardown: alcovectl stop until no process and no mount is left", 20.0,
                 "A"),
}


def quantile(xs, q):
    """Linear interpolation between closest ranks (the usual 'type 7')."""
    s = sorted(xs)
    if not s:
        return float("nan")
    pos = (len(s) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def median(xs):
    return quantile(xs, 0.5)


def dist(xs):
    return {"n": len(xs), "min": min(xs), "median": median(xs), "p90": quantile(xs, 0.9),
            "max": max(xs)}


def boot_diff(pairs, seed=1):
    """95 % bootstrap interval of median(A) - median(B) over the (a, b) pairs."""
    rnd = random.Random(seed)
    n = len(pairs)
    ds = []
    for _ in range(BOOT):
        s = [pairs[rnd.randrange(n)] for _ in range(n)]
        ds.append(median([p[0] for p in s]) - median([p[1] for p in s]))
    return quantile(ds, 0.025), quantile(ds, 0.975)


def load_ab(path):
    """{measure: {rep: {side: (wall_ms, cpu_ms|None)}}}"""
    data = {}
    if not os.path.exists(path):
        return data
    with open(path) as f:
        for row in csv.reader(f, delimiter="\t"):
            m, side, rep, wall, cpu = row
            data.setdefault(m, {}).setdefault(int(rep), {})[side] = (
                int(wall) / 1000.0, int(cpu) / 1000.0 if cpu else None)
    return data


def summarize_ab(reps):
    pairs = [(r["a"][0], r["b"][0]) for r in reps.values() if "a" in r and "b" in r]
    cpairs = [(r["a"][1], r["b"][1]) for r in reps.values()
              if "a" in r and "b" in r and r["a"][1] is not None and r["b"][1] is not None]
    a = [p[0] for p in pairs]
    b = [p[1] for p in pairs]
    s = {"a": dist(a), "b": dist(b), "added": median(a) - median(b), "added_ci": boot_diff(pairs)}
    if cpairs:
        s["cpu_a"] = dist([p[0] for p in cpairs])
        s["cpu_b"] = dist([p[1] for p in cpairs])
        s["cpu_added"] = s["cpu_a"]["median"] - s["cpu_b"]["median"]
        s["cpu_added_ci"] = boot_diff(cpairs)
    return s


def load_json(path, default=None):
    if not os.path.exists(path):
        return default
    with open(path) as f:
        return json.load(f)


def summarize(run):
    raw = os.path.join(run, "raw")
    out = {"machine": load_json(os.path.join(run, "machine.json"), {}), "ab": {},
           "scaling": {}, "stages": {}, "phases": []}
    for f in ("login.tsv", "pam.tsv", "teardown.tsv"):
        for m, reps in load_ab(os.path.join(raw, f)).items():
            out["ab"][m] = summarize_ab(reps)
    if os.path.exists(os.path.join(run, "phases")):
        with open(os.path.join(run, "phases")) as f:
            out["phases"] = [(l.split()[0], int(l.split()[1])) for l in f if l.strip()]
    # scaling: memory and login cost per N
    mem0 = load_json(os.path.join(raw, "meminfo-0.json"))
    ns = sorted(int(f[len("memory-"):-len(".json")]) for f in os.listdir(raw)
                if f.startswith("memory-"))
    for n in ns:
        rows = load_json(os.path.join(raw, f"memory-{n}.json"), [])
        memn = load_json(os.path.join(raw, f"meminfo-{n}.json"))
        build = load_json(os.path.join(raw, f"build-{n}.json"), {})
        e = {"n": n, "alcoves_measured": len(rows),
             "init_rss_kb": dist([r["init_rss_kb"] for r in rows]),
             "init_pss_kb": dist([r["init_pss_kb"] for r in rows]),
             "init_private_kb": dist([r["init_private_kb"] for r in rows]),
             "keeper_pss_kb": dist([r["others_pss_kb"] for r in rows]),
             "build": build}
        # below ~50 alcoves the machine's own churn (other work, caches) drowns the growth
        if mem0 and memn and n >= 50:
            for k in ("Slab", "SUnreclaim", "KernelStack", "PageTables", "Shmem",
                      "MemAvailable"):
                e[f"delta_{k}_kb_per_alcove"] = (memn[k] - mem0[k]) / n
        for kind in ("login_first", "login_further"):
            if f"{kind}@{n}" in out["ab"]:
                e[kind] = out["ab"][f"{kind}@{n}"]
        out["scaling"][n] = e
    # the helper's stages
    path = os.path.join(raw, "stages.tsv")
    if os.path.exists(path):
        st = {}
        with open(path) as f:
            for kind, stage, _, us in csv.reader(f, delimiter="\t"):
                st.setdefault(kind, {}).setdefault(stage, []).append(int(us))
        out["stages"] = {k: {s: dist(v) for s, v in d.items()} for k, d in st.items()}
    path = os.path.join(raw, "lobby_us")
    if os.path.exists(path):
        with open(path) as f:
            out["lobby_probe_median_us"] = float(f.read().split()[0])
    return out


def fmt(x, nd=1):
    return "–" if x is None else f"{x:.{nd}f}"


def verdict(value, target):
    if target is None:
        return ""
    return "met" if value <= target else "**missed**"


def md_main(s):
    """The table of targets: one line per measure (the login ones at the smallest N)."""
    scale_ns = sorted(s["scaling"])
    n1 = scale_ns[0] if scale_ns else None
    lines = ["| measure | target | alcove adds (median A − median B) | 95 % interval | "
             "CPU added | result |", "|---|---|---|---|---|---|"]
    order = [("login_first", f"login_first@{n1}"), ("login_first_scope", "login_first_scope@1"),
             ("login_further", f"login_further@{n1}"), ("login_tty", f"login_tty@{n1}"),
             ("login_aa", f"login_aa@{n1}"),
             ("pam_open_close", "pam_open_close"),
             ("pam_skip", "pam_skip"), ("teardown", "teardown")]
    for key, m in order:
        if m not in s["ab"]:
            continue
        what, target, applies = TARGETS[key]
        a = s["ab"][m]
        if applies == "A":
            value = a["a"]["median"]
            shown = (f"{fmt(a['a']['median'], 2)} ms in all (stop of a user without an "
                     f"alcove: {fmt(a['b']['median'], 2)} ms)")
        else:
            value = a["added"]
            shown = f"{fmt(a['added'], 2)} ms"
        lo, hi = a["added_ci"]
        cpu = f"{fmt(a['cpu_added'], 2)} ms" if "cpu_added" in a else "–"
        tgt = f"≤ {target:g} ms" if target is not None else "(info)"
        lines.append(f"| {what} | {tgt} | {shown} | {fmt(lo, 2)} … {fmt(hi, 2)} ms | {cpu} | "
                     f"{verdict(value, target)} |")
    if scale_ns:
        e = s["scaling"][scale_ns[-1]]
        rss = e["init_rss_kb"]["median"]
        kern = ""
        if "delta_SUnreclaim_kb_per_alcove" in e:
            kern = (f"; kernel: slab {fmt(e['delta_Slab_kb_per_alcove'], 0)} KiB (unreclaimable "
                    f"{fmt(e['delta_SUnreclaim_kb_per_alcove'], 0)}), stacks + page tables "
                    f"{fmt(e['delta_KernelStack_kb_per_alcove'] + e['delta_PageTables_kb_per_alcove'], 0)} KiB")
        lines.append(f"| memory per idle alcove (at {scale_ns[-1]} alive): alcove-init RSS | "
                     f"≤ 1024 KiB RSS | {fmt(rss, 0)} KiB RSS, of it private "
                     f"{fmt(e['init_private_kb']['median'], 0)} KiB, PSS "
                     f"{fmt(e['init_pss_kb']['median'], 0)} KiB{kern} | – | – | "
                     f"{verdict(rss, 1024)} |")
        flat = flatness(s)
        if flat is not None:
            lines.append(f"| login cost with {', '.join(map(str, scale_ns))} alcoves alive | "
                         f"flat within ±10 % | largest change {fmt(flat * 100, 1)} % | – | – | "
                         f"{'met' if abs(flat) <= 0.10 else '**missed**'} |")
    return "\n".join(lines)


def flatness(s):
    """Largest relative change of a contained login's time (A/B ratio, so that the machine's
    load at the time cancels) from the smallest N to any other N, over first and further."""
    ns = sorted(s["scaling"])
    worst = None
    for kind in ("login_first", "login_further"):
        base = s["scaling"][ns[0]].get(kind)
        if not base:
            continue
        r0 = base["a"]["median"] / base["b"]["median"]
        for n in ns[1:]:
            e = s["scaling"][n].get(kind)
            if not e:
                continue
            c = e["a"]["median"] / e["b"]["median"] / r0 - 1
            if worst is None or abs(c) > abs(worst):
                worst = c
    return worst


def md_dists(s):
    lines = ["| measure | side | n | min | median | p90 | max | CPU median |",
             "|---|---|---|---|---|---|---|---|"]
    for m in sorted(s["ab"]):
        a = s["ab"][m]
        for side, label in (("a", "A (alcove)"), ("b", "B (baseline)")):
            d = a[side]
            cpu = a.get(f"cpu_{side}")
            lines.append(f"| {m} | {label} | {d['n']} | {fmt(d['min'], 2)} | "
                         f"{fmt(d['median'], 2)} | {fmt(d['p90'], 2)} | {fmt(d['max'], 2)} | "
                         f"{fmt(cpu['median'], 2) if cpu else '–'} |")
    return "\n".join(lines)


def md_scaling(s):
    lines = ["| alcoves alive | first login adds | further login adds | contained first login "
             "(median) | init RSS / PSS / private | keeper PSS | Slab / SUnreclaim per "
             "alcove | KernelStack + PageTables per alcove | MemAvailable per alcove | "
             "build rate |", "|---|---|---|---|---|---|---|---|---|---|"]
    for n in sorted(s["scaling"]):
        e = s["scaling"][n]
        f = e.get("login_first")
        u = e.get("login_further")
        rate = (f"{e['build']['n'] / e['build']['seconds']:.0f}/s"
                if e.get("build", {}).get("seconds") else "–")
        lines.append(
            f"| {n} | {fmt(f['added'], 2) if f else '–'} ms | "
            f"{fmt(u['added'], 2) if u else '–'} ms | {fmt(f['a']['median'], 1) if f else '–'} ms | "
            f"{fmt(e['init_rss_kb']['median'], 0)} / {fmt(e['init_pss_kb']['median'], 0)} / "
            f"{fmt(e['init_private_kb']['median'], 0)} KiB | "
            f"{fmt(e['keeper_pss_kb']['median'], 0)} KiB | "
            f"{fmt(e.get('delta_Slab_kb_per_alcove'), 0)} / "
            f"{fmt(e.get('delta_SUnreclaim_kb_per_alcove'), 0)} KiB | "
            f"{fmt(sum(e.get(f'delta_{k}_kb_per_alcove', 0) for k in ('KernelStack', 'PageTables')), 0)} KiB | "
            f"{fmt(-e['delta_MemAvailable_kb_per_alcove'] if 'delta_MemAvailable_kb_per_alcove' in e else None, 0)} KiB | "
            f"{rate} |")
    return "\n".join(lines)


STAGE_ORDER = ["policy", "lock", "userns", "mounts", "scope", "hold", "lobby", "total"]


def md_stages(s):
    kinds = [k for k in ("built", "joined", "scope-built", "scope-joined") if k in s["stages"]]
    if not kinds:
        return ""
    lines = ["| stage | " + " | ".join(f"{k} median (p90)" for k in kinds) + " |",
             "|---|" + "---|" * len(kinds)]
    stages = [x for x in STAGE_ORDER if any(x in s["stages"][k] for k in kinds)]
    for st in stages:
        cells = []
        for k in kinds:
            d = s["stages"][k].get(st)
            cells.append(f"{fmt(d['median'], 0)} ({fmt(d['p90'], 0)})" if d else "–")
        lines.append(f"| {st} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def md(s):
    m = s["machine"]
    total = s["phases"][-1][1] if s["phases"] else None
    parts = [
        f"Latest run: {m.get('date', '?')} of commit {m.get('commit', '?')}, {total} s for the "
        f"whole `make bench` "
        f"(phases: {', '.join(f'{p} at {t} s' for p, t in s['phases'])}).",
        "",
        f"Machine: {m.get('nproc')} CPUs ({m.get('cpu')}), {m.get('mem_mib')} MiB, kernel "
        f"{m.get('kernel')}, {m.get('os')}, {m.get('ssh')}; load average "
        f"{' '.join(m.get('loadavg_start', []))} at the start, "
        f"{' '.join(m.get('loadavg_end', []))} at the end (the machine was shared with other "
        f"work).",
        "",
        "### Targets",
        "",
        md_main(s),
        "",
        "### Login cost and memory against the number of alcoves alive",
        "",
        "![login cost and memory per alcove against the number of alcoves alive]"
        "(tests/bench/results/scaling.png)",
        "",
        md_scaling(s),
        "",
        "### The helper's stages (µs, from its debug line)",
        "",
        md_stages(s),
        "",
    ]
    if "lobby_probe_median_us" in s:
        parts += [f"The lobby alone (tests/tools/lobby-probe against a running alcove, median "
                  f"of 500): {s['lobby_probe_median_us']:.0f} µs.", ""]
    parts += ["### Every sample set (ms)", "", md_dists(s), ""]
    return "\n".join(parts)


def plot(s, run):
    ns = sorted(s["scaling"])
    if not ns:
        return
    dat = os.path.join(run, "scaling.dat")
    with open(dat, "w") as f:
        f.write("# n first_added lo hi further_added lo hi init_rss_kb init_private_kb "
                "sunreclaim_kb_per_alcove stacks_pagetables_kb_per_alcove\n")
        for n in ns:
            e = s["scaling"][n]
            row = [n]
            for kind in ("login_first", "login_further"):
                k = e.get(kind)
                row += [k["added"], *k["added_ci"]] if k else ["NaN"] * 3
            kern = "NaN"
            if "delta_KernelStack_kb_per_alcove" in e:
                kern = e["delta_KernelStack_kb_per_alcove"] + e["delta_PageTables_kb_per_alcove"]
            row += [e["init_rss_kb"]["median"], e["init_private_kb"]["median"],
                    e.get("delta_SUnreclaim_kb_per_alcove", "NaN"), kern]
            f.write(" ".join(str(x) for x in row) + "\n")
    gp = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scaling.gp")
    subprocess.run(["gnuplot", "-e", f"dat='{dat}'; out='{os.path.join(run, 'scaling.png')}'",
                    gp], check=True)


def publish(run, results, bench_md):
    os.makedirs(os.path.join(results, "raw"), exist_ok=True)
    for f in ("results.md", "summary.json", "scaling.png", "scaling.dat"):
        if os.path.exists(os.path.join(run, f)):
            shutil.copy(os.path.join(run, f), os.path.join(results, f))
    for f in os.listdir(os.path.join(run, "raw")):
        shutil.copy(os.path.join(run, "raw", f), os.path.join(results, "raw", f))
    with open(os.path.join(run, "results.md")) as f:
        body = f.read()
    with open(bench_md) as f:
        text = f.read()
    if BEGIN not in text or END not in text:
        sys.exit(f"report.py: {bench_md} lacks the markers")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    with open(bench_md, "w") as f:
        f.write(head + BEGIN + "\n" + body + "\n" + END + tail)


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "--publish":
        publish(*sys.argv[2:])
        return
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    run = sys.argv[1]
    s = summarize(run)
    s["machine"].setdefault("date", os.path.basename(run.rstrip("/")).replace("run-", ""))
    with open(os.path.join(run, "summary.json"), "w") as f:
        json.dump(s, f, indent=1, default=str)
    with open(os.path.join(run, "results.md"), "w") as f:
        f.write(md(s))
    plot(s, run)
    print(md(s))


if __name__ == "__main__":
    main()
