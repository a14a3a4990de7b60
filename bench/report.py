#!/usr/bin/env python3
"""bench/report.py — helpers of bench/run (standard library only).

    report.py free-port                      print a free TCP port on 127.0.0.1
    report.py summarize RECORDS OUT.json     tables on stdout, everything into OUT.json
    report.py show RESULTS.json              the tables of an earlier run again

RECORDS is bench/run's JSON-lines log: one object per measurement, with "kind" one of
  meta     facts about the run (machine, versions, settings)
  wrk      one load run (wrk, or prosperity_load when client is "load"): mode (small|scale),
           case (NAME, or NAME_uncached for a server with --cache-bytes-mb 0), target
           (prosperity|nginx|floor|floor_sendfile|floor_cork), conns, rep, size (scale),
           wrk {rps, p50_us, p99_us, ...}
  bytes    body and header bytes of a small-data case
  micro    prosperity_micro --json output for one database (mode, size)
  scale    per data set: observations, gen_s, import_s, db_bytes, load_s, ready_s, rss_kb...
"""
import json
import os
import socket
import statistics
import sys

TARGET_P99_MS = 5.0
TARGET_RATIO = 1.2
# Computed afresh (issue 17): our uncached req/s over nginx's for the same bytes.
TARGET_UNCACHED = {"dispersion": 0.2}
TARGET_UNCACHED_OTHERS = 0.1
# bench/run --scale: the cases nginx serves the same bytes of (ours -> nginx's case).
SCALE_PAIRS = {"series": "series_static", "dispersion_p31": "dispersion_p31_static"}


def uncached(case):
    return case.endswith("_uncached")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()


def load(path):
    """JSON lines of bench/run, or a results file it wrote (its "records")."""
    recs = []
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        whole = json.loads(text)
        if isinstance(whole, dict) and "records" in whole:
            return whole["records"]
    except json.JSONDecodeError:
        pass
    if True:
        for line in text.splitlines():
            line = line.strip()
            if line:
                recs.append(json.loads(line))
    return recs


def fmt_rps(x):
    return "-" if x is None else f"{x:,.0f}"


def cpu_us(r):
    if not r or "cpu_ticks" not in r or not r["wrk"]["requests"]:
        return None
    return r["cpu_ticks"] / r["clk_tck"] * 1e6 / r["wrk"]["requests"]


def wrk_cpu_us(r):
    if not r or r.get("wrk_cpu_s") is None or not r["wrk"]["requests"]:
        return None
    return r["wrk_cpu_s"] * 1e6 / r["wrk"]["requests"]


def fmt_cpu(x):
    return "-" if x is None else f"{x:.1f}"


def fmt_ms(us):
    return "-" if us is None else f"{us / 1000:.2f}"


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def table(headers, rows, left_last=False):
    """Right-aligned columns; the last one left-aligned when LEFT_LAST (long request targets)."""
    cols = list(zip(*([headers] + rows))) if rows else [[h] for h in headers]
    widths = [max(len(str(c)) for c in col) for col in cols]

    def line(cells):
        out = [str(c).rjust(w) for c, w in zip(cells, widths)]
        if left_last:
            out[-1] = str(cells[-1])
        return "  ".join(out)
    out = [line(headers), "  ".join("-" * w for w in widths)]
    for r in rows:
        out.append(line(r))
    return "\n".join(out)


def errors_of(w):
    n = sum(w.get(k, 0) for k in ("err_connect", "err_read", "err_write", "err_timeout"))
    return n, w.get("err_status", 0)


def small_tables(recs, result):
    wrks = [r for r in recs if r["kind"] == "wrk" and r["mode"] == "small"
            and not uncached(r["case"])]
    if not wrks:
        return
    body = {b["case"]: b["body"] for b in recs if b["kind"] == "bytes"}
    cases = []
    for r in wrks:
        if r["case"] not in cases:
            cases.append(r["case"])
    conns = sorted({r["conns"] for r in wrks})
    reps = sorted({r["rep"] for r in wrks})
    rows, out = [], []
    for case in cases:
        for c in conns:
            def get(target, rep):
                for r in wrks:
                    if (r["case"], r["conns"], r["target"], r["rep"]) == (case, c, target, rep):
                        return r
                return None
            ours_r = [get("prosperity", k) for k in reps]
            theirs_r = [get("nginx", k) for k in reps]
            ours = [r and r["wrk"] for r in ours_r]
            theirs = [r and r["wrk"] for r in theirs_r]
            cpu_ours = [cpu_us(r) for r in ours_r]
            cpu_theirs = [cpu_us(r) for r in theirs_r]
            if not any(ours):
                continue
            ratios = [o["rps"] / t["rps"] if o and t and t["rps"] else None
                      for o, t in zip(ours, theirs)]
            p99s = [o["p99_us"] for o in ours if o]
            cpu_ratio = [ct / co if co and ct else None for co, ct in zip(cpu_ours, cpu_theirs)]
            entry = {
                "case": case, "conns": c,
                "cpu_ratio": cpu_ratio, "cpu_ratio_median": med(cpu_ratio),
                "prosperity": ours, "nginx": theirs, "ratio": ratios,
                "ratio_median": med(ratios),
                "cpu_us_per_request": {"prosperity": cpu_ours, "nginx": cpu_theirs},
                "p99_ms_worst": max(p99s) / 1000 if p99s else None,
            }
            if True:
                entry["meets_ratio"] = (entry["ratio_median"] or 0) >= TARGET_RATIO
                entry["meets_cpu_ratio"] = (entry["cpu_ratio_median"] or 0) >= TARGET_RATIO
                if c >= 200:
                    entry["meets_p99"] = entry["p99_ms_worst"] is not None and \
                        entry["p99_ms_worst"] < TARGET_P99_MS
            out.append(entry)
            for k, o, t, q, co, ct in zip(reps, ours, theirs, ratios, cpu_ours, cpu_theirs):
                errs = []
                for who, w in (("ours", o), ("nginx", t)):
                    if w:
                        sock, status = errors_of(w)
                        if sock:
                            errs.append(f"{who} sock {sock}")
                        if status:
                            errs.append(f"{who} non2xx/3xx {status}")
                rows.append([case, c, k,
                             fmt_rps(o and o["rps"]), fmt_ms(o and o["p50_us"]),
                             fmt_ms(o and o["p99_us"]), fmt_ms(o and o["max_us"]), fmt_cpu(co),
                             fmt_rps(t and t["rps"]), fmt_ms(t and t["p50_us"]),
                             fmt_ms(t and t["p99_us"]), fmt_cpu(ct),
                             fmt_cpu(wrk_cpu_us(ours_r[reps.index(k)])) + " / " +
                             fmt_cpu(wrk_cpu_us(theirs_r[reps.index(k)])),
                             "-" if q is None else f"{q:.2f}", "; ".join(errs)])
    print("\n== Small data: prosperity vs nginx serving the same bytes (wrk -t1, keep-alive) ==")
    print("CPU = server CPU time (all threads; nginx: master + workers) per request, from"
          " /proc/PID/stat; wrk CPU = the load generator's own (against ours / against nginx)")
    loaded = sorted({r["case"] for r in wrks if r.get("client") == "load"})
    if loaded:
        print("driven by prosperity_load (bench/load.c) instead of wrk, for both servers: "
              + ", ".join(loaded))
    print(table(["case", "conns", "rep", "ours req/s", "p50 ms", "p99 ms", "max ms", "CPU µs",
                 "nginx req/s", "p50 ms", "p99 ms", "CPU µs", "wrk CPU µs", "ratio", "errors"],
                rows))
    sizes = [r for r in recs if r["kind"] == "bytes"]
    if sizes:
        print("response bytes: " + "; ".join(
            f"{b['case']} body {b['body']:,}, headers ours {b['headers_ours']} / nginx "
            f"{b['headers_nginx']}" for b in sizes))
    summary = []
    for e in out:
        flags = []
        if "meets_ratio" in e:
            flags.append("ratio ok" if e["meets_ratio"] else f"ratio < {TARGET_RATIO}")
        if "meets_cpu_ratio" in e:
            flags.append("cpu ok" if e["meets_cpu_ratio"] else f"cpu < {TARGET_RATIO}")
        if "meets_p99" in e:
            flags.append("p99 ok" if e["meets_p99"] else f"p99 >= {TARGET_P99_MS:g} ms")
        summary.append([e["case"], e["conns"],
                        "304" if e["case"] == "revalidate" else
                        (f"{body[e['case']]:,}" if e["case"] in body else "-"),
                        "-" if e["ratio_median"] is None else f"{e['ratio_median']:.2f}",
                        "-" if e["cpu_ratio_median"] is None else f"{e['cpu_ratio_median']:.2f}",
                        "-" if e["p99_ms_worst"] is None else f"{e['p99_ms_worst']:.2f}",
                        ", ".join(flags)])
    print(f"\ntargets: cached >= {TARGET_RATIO}x nginx req/s and CPU per request; p99 <"
          f" {TARGET_P99_MS:g} ms at 200 connections (ratio = median over reps, p99 = worst rep)")
    print("cpu ratio = nginx CPU µs/request over ours (median): the req/s ratio if both were"
          " CPU-bound on the same cores; far less noisy on a shared machine")
    print(table(["case", "conns", "body B", "req/s ratio", "cpu ratio", "p99 ms", "verdict"],
                summary))
    result["small"] = out


def floor_table(recs, result):
    """bench/run --floor: prosperity_floor (bench/floor.c) answering our exact bytes with no
    work at all, by one send(), by head + sendfile() and corked like our path from 48 KiB.
    nginx's CPU per request over a floor's, paired within each repetition (median), is the
    most a server sending that way could show against nginx at wrk's load."""
    small = [r for r in recs if r["kind"] == "wrk" and r["mode"] == "small"]
    wrks = [r for r in small if r["target"].startswith("floor")]
    if not wrks:
        return
    body = {b["case"]: b["body"] for b in recs if b["kind"] == "bytes"}
    keys = []
    for r in wrks:
        if (r["case"], r["conns"]) not in keys:
            keys.append((r["case"], r["conns"]))
    targets = ("prosperity", "nginx", "floor", "floor_sendfile", "floor_cork")
    reps = sorted({r["rep"] for r in wrks})
    rows, out = [], []
    for case, c in keys:
        runs = {t: {r["rep"]: r for r in small
                    if (r["case"], r["conns"], r["target"]) == (case, c, t)} for t in targets}
        cpu = {t: med([cpu_us(r) for r in runs[t].values()]) for t in targets}

        def over(t):
            """nginx's CPU over T's, each repetition's pair, median."""
            ratios = []
            for k in reps:
                theirs, this = cpu_us(runs["nginx"].get(k)), cpu_us(runs[t].get(k))
                ratios.append(theirs / this if theirs and this else None)
            return med(ratios)
        errors = sum(errors_of(r["wrk"])[0] for t in targets[2:] for r in runs[t].values())
        entry = {"case": case, "conns": c, "cpu_us_median": cpu,
                 "nginx_over": {t: over(t) for t in targets if t != "nginx"},
                 "floor_socket_errors": errors}
        out.append(entry)
        rows.append([case, c, f"{body.get(case, 0):,}"] + [fmt_cpu(cpu[t]) for t in targets] +
                    ["-" if entry["nginx_over"][t] is None else f"{entry['nginx_over'][t]:.2f}"
                     for t in targets if t != "nginx"] + [errors or ""])
    print("\n== The floor: prosperity_floor (bench/floor.c) sending our exact response with no"
          " parsing (CPU µs per request, median) ==")
    print("floor = one send() of head and body; sendfile = the head by send(MSG_MORE), the body"
          " by sendfile(); cork = TCP_CORK, send() of the head, sendfile(), uncork (our path from"
          " 48 KiB); nginx/X = nginx's CPU over X's in the same repetition (median), the CPU"
          f" ratio X shows against nginx ({TARGET_RATIO} is the target); errors = the floors'"
          " socket errors (a short send closes the connection)")
    print(table(["case", "conns", "body B", "ours", "nginx", "floor", "sendfile", "cork",
                 "nginx/ours", "nginx/floor", "nginx/sendfile", "nginx/cork", "errors"], rows))
    result["floor"] = out


def micro_tables(recs, result):
    micros = [r for r in recs if r["kind"] == "micro"]
    if not micros:
        return
    rows = []
    for m in micros:
        for t in m["micro"]["targets"]:
            rows.append([m.get("label", ""), f"{m['micro']['observations']:,}",
                         f"{t['answer_us']:.1f}", f"{t['handler_us']:.1f}",
                         f"{t['render_us']:.1f}", t.get("split", "tree"), f"{t['bytes']:,}",
                         t["target"]])
    print("\n== Uncached answers: bench/micro.c (routes_answer without HTTP or cache; CPU µs per "
          "call, best of 10 rounds)")
    print("split doc: handler = the route's doc_fn into a nothing document (api/doc), render ="
          " answer - handler;\nsplit tree: handler = the jansson tree built and freed, render ="
          " render_json of it (CSV and records walk that tree)")
    print(table(["data", "observations", "answer µs", "handler µs", "render µs", "split",
                 "bytes", "target"], rows, left_last=True))
    result["micro"] = [{"label": m.get("label"), **m["micro"]} for m in micros]


def uncached_http(recs, result):
    """Computed afresh (NAME_uncached, a server with --cache-bytes-mb 0) against nginx serving
    the same bytes (case NAME) at the same connections in the same rep."""
    wrks = [r for r in recs if r["kind"] == "wrk" and r["mode"] == "small"]
    keys = []
    for r in wrks:
        if uncached(r["case"]) and (r["case"], r["conns"]) not in keys:
            keys.append((r["case"], r["conns"]))
    if not keys:
        return
    body = {b["case"]: b["body"] for b in recs if b["kind"] == "bytes"}

    def find(case, target, conns, rep):
        for r in wrks:
            if (r["case"], r["target"], r["conns"], r["rep"]) == (case, target, conns, rep):
                return r
        return None

    rows, verdicts, out = [], [], []
    for case, c in keys:
        base = case[:-len("_uncached")]
        runs = [r for r in wrks if (r["case"], r["conns"]) == (case, c)]
        theirs = [find(base, "nginx", c, r["rep"]) for r in runs]
        cached = [find(base, "prosperity", c, r["rep"]) for r in runs]
        ratio = [r["wrk"]["rps"] / t["wrk"]["rps"] if t and t["wrk"]["rps"] else None
                 for r, t in zip(runs, theirs)]
        cpu = [cpu_us(r) for r in runs]
        cpu_cached = [cpu_us(r) for r in cached]
        added = [u - k if u is not None and k is not None else None
                 for u, k in zip(cpu, cpu_cached)]
        target = TARGET_UNCACHED.get(base, TARGET_UNCACHED_OTHERS)
        rm = med(ratio)
        for r, t, q, cu, ad in zip(runs, theirs, ratio, cpu, added):
            w = r["wrk"]
            sock, status = errors_of(w)
            rows.append([base, c, r["rep"], fmt_rps(w["rps"]), fmt_ms(w["p50_us"]),
                         fmt_ms(w["p99_us"]), fmt_cpu(cu), fmt_cpu(ad),
                         fmt_rps(t and t["wrk"]["rps"]), "-" if q is None else f"{q:.3f}",
                         (f"sock {sock} " if sock else "") + (f"non2xx/3xx {status}"
                                                             if status else "")])
        verdicts.append([base, c, f"{body[base]:,}" if base in body else "-",
                         fmt_rps(med([r["wrk"]["rps"] for r in runs])), fmt_cpu(med(cpu)),
                         "-" if rm is None else f"{rm:.3f}", f">= {target:g}",
                         "-" if rm is None else ("ok" if rm >= target else "NOT MET")])
        out.append({"case": base, "conns": c, "runs": [r["wrk"] for r in runs],
                    "cpu_us_per_answer": cpu, "cpu_us_added_over_cached": added,
                    "nginx_rps": [t and t["wrk"]["rps"] for t in theirs], "ratio": ratio,
                    "ratio_median": rm, "target": target,
                    "meets_target": rm is not None and rm >= target})
    print("\n== Computed afresh over HTTP (server with --cache-bytes-mb 0) vs nginx serving the"
          " same bytes ==")
    print("CPU µs = the server's utime + stime per answer; added = that minus the cached"
          " answer's CPU µs in the same rep; ratio = our req/s over nginx's for the same case,"
          " connections and rep")
    print(table(["case", "conns", "rep", "req/s", "p50 ms", "p99 ms", "CPU µs", "added µs",
                 "nginx req/s", "ratio", "errors"], rows))
    print("\ntargets (issue 17): dispersion >= 0.2x nginx, the others >= 0.1x (ratio = median"
          " over reps)")
    print(table(["case", "conns", "body B", "req/s", "CPU µs/answer", "ratio", "target",
                 "verdict"], verdicts))
    result["uncached_http"] = out


def scale_vs_nginx(recs, wrks, names, result):
    """The cached series and 31-unit dispersion against nginx serving the same bytes, per size."""
    rows, out = [], []
    for ours, theirs in SCALE_PAIRS.items():
        for c in sorted({r["conns"] for r in wrks}):
            for n in names:
                pairs = []
                for r in wrks:
                    if (r["case"], r["target"], r["conns"], r["size"]) != (ours, "prosperity", c, n):
                        continue
                    t = next((a for a in wrks if (a["case"], a["target"], a["conns"], a["size"],
                                                  a["rep"]) == (theirs, "nginx", c, n, r["rep"])),
                             None)
                    if t:
                        pairs.append((r, t))
                if not pairs:
                    continue
                ratio = [r["wrk"]["rps"] / t["wrk"]["rps"] for r, t in pairs if t["wrk"]["rps"]]
                cpu = [cpu_us(t) / cpu_us(r) for r, t in pairs if cpu_us(r) and cpu_us(t)]
                rm, cm = med(ratio), med(cpu)
                ok_r = rm is not None and rm >= TARGET_RATIO
                ok_c = cm is not None and cm >= TARGET_RATIO
                ok = ok_r and ok_c
                rows.append([ours, c, n, " / ".join(f"{x:.2f}" for x in ratio),
                             "-" if rm is None else f"{rm:.2f}",
                             "-" if cm is None else f"{cm:.2f}",
                             ", ".join([("ratio ok" if ok_r else f"ratio < {TARGET_RATIO}"),
                                        ("cpu ok" if ok_c else f"cpu < {TARGET_RATIO}")])])
                out.append({"case": ours, "conns": c, "size": n, "ratio": ratio,
                            "ratio_median": rm, "cpu_ratio_median": cm, "meets": ok})
    if not rows:
        return
    print(f"\n== Scale: cached answers vs nginx serving the same bytes (target >= {TARGET_RATIO}x"
          " req/s and CPU per request, the 1 M row is the issue's) ==")
    print(table(["case", "conns", "size", "req/s ratio (reps)", "ratio", "cpu ratio", "verdict"],
                rows))
    result["scale_vs_nginx"] = out


def scale_tables(recs, result):
    sizes = [r for r in recs if r["kind"] == "scale"]
    if not sizes:
        return
    wrks = [r for r in recs if r["kind"] == "wrk" and r["mode"] == "scale"]
    print("\n== Scale: import, start-up and memory ==")
    rows = []
    for s in sizes:
        rows.append([s["size"], f"{s['observations']:,}", f"{s['gen_s']:.2f}",
                     f"{s['import_s']:.2f}", f"{s['import_maxrss_kb'] / 1024:.0f}",
                     f"{s['db_bytes'] / 2**20:.1f}",
                     "-" if s.get("load_s") is None else f"{s['load_s']:.3f}",
                     f"{s['ready_s']:.3f}", f"{s['rss_ready_kb'] / 1024:.1f}",
                     f"{s['rss_warm_kb'] / 1024:.1f}", f"{s['rss_end_kb'] / 1024:.1f}",
                     f"{s['hwm_end_kb'] / 1024:.1f}"])
    print(table(["size", "observations", "gen s", "import s", "import MB", "db MiB", "load s",
                 "ready s", "RSS ready MB", "RSS warm MB", "RSS end MB", "HWM MB"], rows))
    print("targets at 1 M: import < 15 s, ready <= 2 s, RSS after warm-up <= 160 MB")
    cases, conns = [], sorted({r["conns"] for r in wrks})
    for r in wrks:
        if r["case"] not in cases:
            cases.append(r["case"])
    names = [s["size"] for s in sizes]
    base = names[0]

    def anchor(r):
        for a in wrks:
            if (a["case"], a["target"], a["size"], a["conns"], a["rep"]) == \
                    ("series_static", "nginx", r["size"], r["conns"], r["rep"]):
                return a["wrk"]["rps"]
        return None

    print(f"\n== Scale: cached throughput by data size ('req/s vs {base}': median req/s over the "
          f"median at {base}; '/nginx': req/s over nginx's req/s for the series body as a static "
          f"file in the same rep, the machine-noise anchor; 'norm vs {base}': the same "
          f"comparison of /nginx) ==")
    rows, out = [], []
    for case in cases:
        for c in conns:
            per = {n: [r for r in wrks if (r["case"], r["conns"], r["size"]) == (case, c, n)]
                   for n in names}
            if not any(per.values()):
                continue
            b = med([r["wrk"]["rps"] for r in per[base]])
            bn = med([r["wrk"]["rps"] / anchor(r) for r in per[base] if anchor(r)])
            for n in names:
                rs = per[n]
                if not rs:
                    continue
                m = med([r["wrk"]["rps"] for r in rs])
                norm = [r["wrk"]["rps"] / anchor(r) if anchor(r) else None for r in rs]
                mn = med(norm)
                cm, cb = med([cpu_us(r) for r in rs]), med([cpu_us(r) for r in per[base]])
                rows.append([case, c, n, " / ".join(fmt_rps(r["wrk"]["rps"]) for r in rs),
                             " / ".join(fmt_ms(r["wrk"]["p99_us"]) for r in rs),
                             " / ".join(fmt_cpu(cpu_us(r)) for r in rs),
                             f"{cm / cb:.2f}" if cm and cb else "-",
                             f"{m / b:.2f}" if b and m else "-",
                             " / ".join("-" if x is None else f"{x:.2f}" for x in norm),
                             f"{mn / bn:.2f}" if bn and mn else "-"])
                out.append({"case": case, "conns": c, "size": n,
                            "runs": [dict(r["wrk"], cpu_us_per_request=cpu_us(r)) for r in rs],
                            "rps_median": m, "vs_base": m / b if b and m else None,
                            "cpu_vs_base": cm / cb if cm and cb else None,
                            "vs_nginx": norm,
                            "vs_base_normalized": mn / bn if bn and mn else None})
    print(f"'CPU vs {base}': median server CPU µs/request over the median at {base} (1.00 = no"
          " growth; the robust number on a shared machine)")
    print(table(["case", "conns", "size", "req/s (reps)", "p99 ms (reps)", "CPU µs/req",
                 f"CPU vs {base}", f"req/s vs {base}", "/nginx (reps)", f"norm vs {base}"], rows))
    result["scale"] = {"sizes": sizes, "throughput": out}
    scale_vs_nginx(recs, wrks, names, result)


def summarize(records, out_path):
    recs = load(records)
    result = {}
    meta = [r for r in recs if r["kind"] == "meta"]
    if meta:
        result["meta"] = meta[0]
        m = meta[0]
        threads = [r.get("threads") for r in recs if r["kind"] == "server"]
        print(f"prosperity bench {m.get('started')}  git {m.get('git')}"
              f"{' (+%d changed files)' % m['git_dirty_files'] if m.get('git_dirty_files') else ''}"
              f"  host {m.get('host')}  cpus {m.get('cpus')}  "
              f"{m.get('duration_s')} s x {m.get('repeat')} reps  wrk {m.get('wrk')}  "
              f"nginx {m.get('nginx')} workers {m.get('nginx_workers')}  server threads "
              f"{threads[0] if threads else '?'}"
              f"{'  server flags: ' + m['server_flags'] if m.get('server_flags') else ''}")
        if m.get("load_before"):
            print(f"load average at start: {m['load_before']}")
    small_tables(recs, result)
    floor_table(recs, result)
    uncached_http(recs, result)
    micro_tables(recs, result)
    scale_tables(recs, result)
    after = [r for r in recs if r["kind"] == "meta_end"]
    if after:
        result["meta_end"] = after[0]
        print(f"\nload average at end: {after[0].get('load_after')}")
    result["records"] = recs
    if out_path == "-":
        return
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    print(f"\nwrote {out_path}")


def main(argv):
    if len(argv) >= 1 and argv[0] == "free-port":
        free_port()
        return 0
    if len(argv) == 3 and argv[0] == "summarize":
        summarize(argv[1], argv[2])
        return 0
    if len(argv) == 2 and argv[0] == "show":
        summarize(argv[1], "-")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
