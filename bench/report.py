"""Writes docs/BENCHMARKS.md (from bench/BENCHMARKS.template.md) and its
charts from the results that bench.py measured."""

import os
import statistics

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

TARGETS = {
    "dashboard": 0.60,
    "trivial": 0.70,
    "createEntry": 0.50,
}


def best(points):
    return max(points.values(), key=lambda p: p["rps"])


def steady(point):
    """A paced run's (p50, p99) in ms over its steady state: the requests due
    after its first second (bench.py, `steady_state`)."""
    return point.get("steady_p50_ms", point["p50_ms"]), point.get("steady_p99_ms", point["p99_ms"])


def tail_ratio(point):
    p50, p99 = steady(point)
    return p99 / p50 if p50 else 0


def fell_behind(point, alone):
    """Whether a paced run queued: a steady-state median far above the
    one-client median (`alone`) means the rate was past what the service
    sustained at that moment, and the run's tail ratio says nothing (the
    queue raised its median with its tail)."""
    return steady(point)[0] > 10 * max(alone["p50_ms"], 0.1)


def one_client(op):
    """The service's point at its lowest concurrency (one client), against
    which a paced run's median is judged."""
    return op["service"][min(op["service"], key=int)]


def tail_rounds(point):
    """The tail ratios of a paced point's runs, where it is the median of
    several (bench.py, `median_tail`)."""
    rounds = point.get("rounds") or []
    if len(rounds) < 2:
        return ""
    return f", the median of {len(rounds)} runs ({', '.join(f'{r:.1f}×' for r in rounds)})"


# The login flood's runs (bench.py, `login_flood`): the target's, then its
# two references.
FLOODS = {
    "logins": "the login flood",
    "refusals": "the same flood, refused before hashing",
    "bare": "the same flood at a bare handler",
}


def flood_ratio(run, kind):
    """The probe's p99 during one of a round's floods, against its p99 alone
    in the same round."""
    alone = steady(run["baseline"])[1]
    return steady(run[kind]["probe"])[1] / alone if alone else 0


def median_round(flood, kind):
    """The round whose ratio for the flood `kind` is the median (the middle
    one, of an odd number)."""
    rounds = sorted(flood["rounds"], key=lambda run: flood_ratio(run, kind))
    return rounds[len(rounds) // 2]


def flood_rounds(flood, kind):
    """Every round's ratio for the flood `kind`, where there are several."""
    ratios = [flood_ratio(run, kind) for run in flood["rounds"]]
    if len(ratios) < 2:
        return ""
    return f", the median of {len(ratios)} rounds ({', '.join(f'{r:.1f}×' for r in ratios)})"


def flood_outcomes(flood, kind):
    """The answers to the flood `kind`, added up over the rounds; its
    latencies are the median round's."""
    runs = [run[kind]["flood"] for run in flood["rounds"]]
    total = {key: sum(run.get(key, 0) for run in runs)
             for key in ("requests", "wrong_credentials", "rate_limited", "signed_in", "timeouts", "other_errors")}
    middle = median_round(flood, kind)[kind]["flood"]
    return {**total, "p50_ms": middle["p50_ms"], "p99_ms": middle["p99_ms"]}


def paced(point):
    """A paced run's percentiles as the report gives them: the steady state,
    then the whole run's p99 (the first second included)."""
    p50, p99 = steady(point)
    return f"p50 {ms(p50)} ms, p99 {ms(p99)} ms; whole run p99 {ms(point['p99_ms'])} ms"


def references(op):
    """The operation's reference measurements (no target): (label,
    description, results by concurrency) each."""
    return [(ref["label"], ref["description"], ref["results"]) for ref in op.get("references", {}).values()]


def at(points, c):
    return points[c] if c in points else points[str(c)]


# The operations whose floor is an HTTP handler, as their references are.
HTTP_FLOORS = {"trivial"}


# What each operation's required parts are, where the report adds them up.
PARTS = {
    "trivial": "the bare handler's cost per request, plus what authentication, async-graphql and the answer's "
               "headers each add to it",
    "dashboard": "its SQL floor's cost per request, plus async-graphql's for its answer, plus what authentication "
                 "and the answer's headers add to the bare handler",
}


def parts_added(name, ops):
    """What the operation's required parts reach together, as throughput:
    for the trivial query, the bare handler plus what authentication and
    async-graphql each add to it; for the dashboard, its SQL floor plus
    async-graphql serving its answer plus what authentication adds to the
    bare handler. Both add what the answer's headers cost the load generator
    (the bare handler sending the service's headers), when that was
    measured. Each is measured alone at saturation, where a request's cost
    on the machine is the inverse of the throughput, so the costs add.
    None when a part was not measured."""
    trivial = ops.get("trivial")
    if not trivial or name not in PARTS:
        return None
    own = {label: best(points)["rps"] for label, _, points in references(ops[name])}
    shared = {label: best(points)["rps"] for label, _, points in references(trivial)}
    bare = best(trivial["floor_results"])["rps"]
    graphql, auth = own.get("async-graphql only"), shared.get("authentication only")
    if not (bare and graphql and auth):
        return None
    cost = 1 / graphql + 1 / auth - 1 / bare
    headers = shared.get("bare handler, the service's headers")
    if headers:
        cost += 1 / headers - 1 / bare
    if name not in HTTP_FLOORS:
        sql = best(ops[name]["floor_results"])["rps"]
        if not sql:
            return None
        cost += 1 / sql
    return 1 / cost if cost > 0 else None


def ms(value):
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def chart(name, op, path):
    conc = sorted(int(c) for c in op["service"])
    service = [at(op["service"], c) for c in conc]
    floor = [at(op["floor_results"], c) for c in conc]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    left.plot(conc, [p["rps"] for p in service], "o-", label="service")
    left.plot(conc, [p["rps"] for p in floor], "s--", label="floor")
    refs = [(label, [at(points, c) for c in conc]) for label, _, points in references(op)]
    for (label, points), marker in zip(refs, ("^:", "v-.", "d:")):
        left.plot(conc, [p["rps"] for p in points], marker, label=label)
    left.set_xscale("log", base=2)
    left.set_xlabel("concurrency")
    left.set_ylabel("requests / s")
    left.set_title(f"{name}: throughput")
    left.set_ylim(bottom=0)
    left.legend()
    right.plot(conc, [p["p99_ms"] for p in service], "o-", label="service")
    right.plot(conc, [p["p99_ms"] for p in floor], "s--", label="floor")
    for (label, points), marker in zip(refs, ("^:", "v-.", "d:")):
        right.plot(conc, [p["p99_ms"] for p in points], marker, label=label)
    right.set_xscale("log", base=2)
    right.set_xlabel("concurrency")
    right.set_ylabel("p99 latency (ms)")
    right.set_title(f"{name}: p99")
    right.set_ylim(bottom=0)
    right.legend()
    for axis in (left, right):
        axis.set_xticks(conc)
        axis.set_xticklabels([str(c) for c in conc])
        axis.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def verdict(ok):
    return "met" if ok else "**missed**"


def write(results, root, docs, quick=False):
    """Writes BENCHMARKS.md and benchmarks/*.png into `docs`."""
    charts_dir = os.path.join(docs, "benchmarks")
    os.makedirs(charts_dir, exist_ok=True)
    ops = results["operations"]
    lines = []
    add = lines.append

    m = results["machine"]
    add(f"Measured at commit `{results['commit']}`{' (with uncommitted changes)' if results['dirty'] else ''}, "
        f"{results['started']} to {results['finished']}"
        f"{' (quick smoke run: not the reference numbers)' if quick else ''}.")
    add("")
    add(f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gib']} GiB memory, Linux {m['kernel']}, "
        f"MariaDB {m['mariadb']}, {m['oha']}; the load generator runs on the same machine.")
    rehearsal = results.get("rehearsal_running_at_start") or results.get("rehearsal_running_at_end")
    start, end = results.get("other_load_at_start"), results.get("other_load_at_end")
    if start and end:
        add(f"Other load on the machine: load average {start['loadavg']} at the start and {end['loadavg']} at the end "
            f"(1, 5, 15 minutes); {start['rustc_processes']} and {end['rustc_processes']} compiler processes running; "
            f"a deploy rehearsal {'was' if rehearsal else 'was not'} seen running at the start or the end.")
    else:
        add(f"Other load on the machine: {'a deploy rehearsal was running during the run' if rehearsal else 'no deploy rehearsal seen at start or end'}.")
    add("")
    ds = results["data_set"]
    add(f"Data set: {ds['members']:,} members, {ds['ledgers']:,} ledgers (each member's private one and 200 "
        f"shared ones of 2-5 members), {ds['entries']:,} entries over two years, {ds['budgets']:,} budgets, "
        f"{ds['schedules']:,} schedules with {ds['assignments']:,} assignments"
        + (f"; seeded in {results['seed_seconds']} s." if "seed_seconds" in results else "."))
    add("")

    add("## Targets")
    add("")
    add("| target | measured | verdict |")
    add("| --- | --- | --- |")
    for name, need in TARGETS.items():
        service, floor = best(ops[name]["service"]), best(ops[name]["floor_results"])
        sweep = service["rps"] / floor["rps"] if floor["rps"] else 0
        rounds = ops[name].get("rounds")
        if rounds:
            ratio = statistics.median(r["ratio"] for r in rounds)
            each = ", ".join(f"{r['ratio']:.0%} ({r['service_rps']:,.0f} vs {r['floor_rps']:,.0f})" for r in rounds)
            measured = (f"{ratio:.0%}, the median of {len(rounds)} side-by-side rounds: {each} req/s; "
                        f"the sweeps' best points: {sweep:.0%} ({service['rps']:,.0f} vs {floor['rps']:,.0f} req/s)")
        else:
            ratio = sweep
            measured = f"{ratio:.0%} ({service['rps']:,.0f} vs {floor['rps']:,.0f} req/s)"
        add(f"| {name}: best throughput ≥ {need:.0%} of its floor's | {measured} | {verdict(ratio >= need)} |")
        for label, description, points in references(ops[name]):
            reference = best(points)
            share = service["rps"] / reference["rps"] if reference["rps"] else 0
            # Set beside the floor only where that is an HTTP handler too.
            beside_floor = (f"; this reference itself reaches {reference['rps'] / floor['rps']:.0%} of the floor"
                            if name in HTTP_FLOORS and floor["rps"] else "")
            add(f"| {name}, for reference (no target): against {label} ({description}) | {share:.0%} "
                f"({service['rps']:,.0f} vs {reference['rps']:,.0f} req/s){beside_floor} | - |")
        parts = parts_added(name, ops)
        if parts:
            add(f"| {name}, for reference (no target): against its required parts together ({PARTS[name]}) | "
                f"{service['rps'] / parts:.0%} ({service['rps']:,.0f} vs {parts:,.0f} req/s); "
                f"the parts together reach {parts / floor['rps']:.0%} of the floor | - |")
    for name, op in ops.items():
        fixed = op["fixed_rate"]
        ratio = tail_ratio(fixed)
        share = fixed.get("share", 0.7)
        behind = op.get("fixed_rate_fell_behind")
        note = (f"; at 70% ({behind['rate']:,} req/s) the service fell behind the paced load "
                f"(p50 {ms(steady(behind)[0])} ms), so measured at {share:.0%}" if behind else "")
        valid = not fell_behind(fixed, one_client(op))
        if not valid:
            # The first run at 50%, or the median of the runs at either share.
            outcome = "**missed**: the service fell behind the paced load" + (" at 50% too" if share < 0.7 else "")
        elif share >= 0.7:
            outcome = verdict(ratio <= 3)
        else:
            outcome = "**missed** at 70% (fell behind); " + ("within 3× at 50%" if ratio <= 3 else "over 3× at 50% too")
        floor_fixed = op.get("floor_fixed_rate")
        if floor_fixed and floor_fixed["p50_ms"]:
            note += (f"; its floor, paced the same way at 70% of its own best ({floor_fixed['rate']:,} req/s): "
                     f"{tail_ratio(floor_fixed):.1f}×{tail_rounds(floor_fixed)} ({paced(floor_fixed)})")
        add(f"| {name}: p99 ≤ 3 × p50 at 70% of saturation | "
            f"{ratio:.1f}×{tail_rounds(fixed)} at {fixed['rate']:,} req/s ({paced(fixed)}){note} | "
            f"{outcome} |")
    flood = results["login_flood"]
    middle = median_round(flood, "logins")
    ratio = flood_ratio(middle, "logins")
    references_note = "; ".join(
        f"{FLOODS[kind]}: {flood_ratio(median_round(flood, kind), kind):.1f}×{flood_rounds(flood, kind)}"
        for kind in ("refusals", "bare"))
    add(f"| login flood: other queries' p99 within 2× of baseline | {ratio:.1f}×{flood_rounds(flood, 'logins')} "
        f"(in the median round, p99 {ms(steady(middle['baseline'])[1])} → {ms(steady(middle['logins']['probe'])[1])} ms; "
        f"whole runs {ms(middle['baseline']['p99_ms'])} → {ms(middle['logins']['probe']['p99_ms'])} ms). "
        f"References, in the same rounds: {references_note} | {verdict(ratio <= 2)} |")
    f = flood_outcomes(flood, "logins")
    excess_ok = f["timeouts"] == 0 and f["other_errors"] == 0 and f["rate_limited"] > 0
    add(f"| login flood: excess logins RATE_LIMITED, no time-outs | {f['signed_in']} signed in, "
        f"{f['rate_limited']:,} RATE_LIMITED, {f['timeouts']} timed out, {f['other_errors']} other errors"
        f"{' (all rounds)' if len(flood['rounds']) > 1 else ''} | {verdict(excess_ok)} |")
    hwm = results["hwm_after_dashboard_mib"]
    after_logins = results.get("after_logins")
    peaks = f"peak {hwm:.1f} MiB (VmHWM)"
    peak = hwm
    if after_logins:
        peak = max(hwm, after_logins["hwm_dashboard_mib"])
        then = ("once it gave their Argon2 memory back" if not after_logins["hash_memory_bytes_left"]
                else "with their Argon2 memory still held")
        peaks += (f" on an instance that has verified no password; {after_logins['hwm_dashboard_mib']:.1f} MiB "
                  f"on the same instance after the login runs, {then}")
    add(f"| RSS ≤ 60 MiB under the dashboard load | {peaks} | {verdict(peak <= 60)} |")
    add("")

    add("## Throughput and latency against the floors")
    add("")
    add("Each point is a closed-loop run of "
        f"{results['seconds_per_point']} s at the given concurrency. The service is driven by oha over HTTP; "
        "the SQL floors are `bench_floor sql` (the captured statements replayed in a tight loop by tasks "
        f"sharing a bb8 pool of {results.get('pool_size', 10)} diesel-async connections, the same size as the "
        "service's pool), the axum floor is driven by oha like the service, and the login floor is "
        "`bench_floor argon2`.")
    add("")
    for name, op in ops.items():
        add(f"### {op['title']}")
        add("")
        add(f"Floor: {op['floor']}.")
        add("")
        add("| concurrency | service req/s | p50 ms | p99 ms | floor req/s | p50 ms | p99 ms | service / floor | errors |")
        add("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
        for c in sorted(op["service"], key=int):
            s, fl = op["service"][c], op["floor_results"][c]
            errors = s["non_200"] + sum(v for k, v in s["errors"].items() if "deadline" not in k)
            errors = f"{errors} HTTP, {s.get('graphql_errors', 0):,} GraphQL"
            add(f"| {c} | {s['rps']:,.0f} | {ms(s['p50_ms'])} | {ms(s['p99_ms'])} | {fl['rps']:,.0f} | "
                f"{ms(fl['p50_ms'])} | {ms(fl['p99_ms'])} | {s['rps'] / fl['rps'] if fl['rps'] else 0:.0%} | {errors} |")
        for label, description, points in references(op):
            add("")
            add(f"For reference, {label}: {description}.")
            add("")
            add("| concurrency | service req/s | reference req/s | p50 ms | p99 ms | service / reference |")
            add("| ---: | ---: | ---: | ---: | ---: | ---: |")
            for c in sorted(op["service"], key=int):
                s, ref = op["service"][c], points[c]
                add(f"| {c} | {s['rps']:,.0f} | {ref['rps']:,.0f} | {ms(ref['p50_ms'])} | {ms(ref['p99_ms'])} | "
                    f"{s['rps'] / ref['rps'] if ref['rps'] else 0:.0%} |")
        fixed = op["fixed_rate"]
        add("")
        alone = one_client(op)
        queued = (f" (the service fell behind the pace: a p50 over 10× its {ms(alone['p50_ms'])} ms at one "
                  "client)" if fell_behind(fixed, alone) else "")
        add(f"Fixed rate {fixed['rate']:,} req/s ({fixed.get('share', 0.7):.0%} of the best measured): "
            f"{paced(fixed)}{tail_rounds(fixed)}{queued}; "
            f"{fixed['requests']:,} answered, "
            f"{fixed.get('graphql_errors', 0):,} of them with a GraphQL error.")
        floor_fixed = op.get("floor_fixed_rate")
        if floor_fixed:
            add(f"The floor at a fixed rate of {floor_fixed['rate']:,} req/s (70% of its best): "
                f"{paced(floor_fixed)}{tail_rounds(floor_fixed)}.")
        if name == "login":
            add("")
            add("Past the hashing queue's places, logins are refused with RATE_LIMITED at once (the GraphQL "
                "errors above): the login throughput is the hashing threads', and the refusals are the "
                "excess, as in the flood below.")
        add("")
        chart_path = os.path.join(charts_dir, f"{name}.png")
        chart(name, op, chart_path)
        add(f"![{name}: throughput and p99 against concurrency, service and floor]"
            f"({os.path.relpath(chart_path, docs)})")
        add("")

    add("## SQL per request")
    add("")
    add("From `uliga_db_statements_total` in `/metrics`: the delta over one request on a warm service, "
        "the delta over each load run above divided by its requests, and over all of them. \"First request\" "
        "is the count for the very first request on a freshly started service (the one captured in the general "
        "log), and \"general log\" is how many statements MariaDB logged for it (set-up statements of new "
        "connections left out). Login is counted only on its first request: it is not warmed up, so that "
        "its Argon2 buffers stay out of the dashboard's memory figures.")
    add("")
    conc = sorted(next(iter(ops.values()))["service"], key=int)
    add("| operation | one request | first request | general log | " + " | ".join(f"per request at c={c}" for c in conc)
        + " | all load runs |")
    add("| --- | ---: | ---: | ---: | " + " | ".join("---:" for _ in conc) + " | ---: |")
    for name, op in ops.items():
        under = op["statements_under_load"] / op["requests_under_load"] if op["requests_under_load"] else 0
        cells = []
        for c in conc:
            p = op["service"][c]
            answered = p["requests"] + p["non_200"] + sum(p["errors"].values())
            cells.append(f"{p['statements'] / answered:.3f}" if answered else "-")
        add(f"| {name} | {op['statements_one_request']} | {op['statements_first_request']} | {op['statements_captured']} | " + " | ".join(cells)
            + f" | {under:.3f} ({op['requests_under_load']:,} requests) |")
    add("")
    add("The statements each operation sent, as MariaDB's general log recorded them (and as the SQL floors replay them):")
    add("")
    for name, op in ops.items():
        add(f"<details><summary>{name}: {len(op['captured_sql'])} statements</summary>")
        add("")
        add("```sql")
        for statement in op["captured_sql"]:
            add(statement)
        add("```")
        add("")
        add("</details>")
        add("")
    if "rows_created_by_service_and_floor" in ops.get("createEntry", {}):
        add(f"createEntry runs added {ops['createEntry']['rows_created_by_service_and_floor']:,} entries "
            "(service and floor together), as many as the requests that were answered.")
        add("")

    add("## Login flood")
    add("")
    add(f"With the real limits, behind a trusted proxy: {flood['flood_rate']:,} logins a second "
        f"({flood['flood_rate'] / flood['login_service_rps'] if flood['login_service_rps'] else 0:.0f}× "
        f"the most the service verified in the runs above, {flood['login_service_rps']:,} a second; the bare "
        f"Argon2id floor verifies {flood['argon2_floor_rps']:,} a second on both cores), "
        "each for another unknown account and from one of 10,000 client addresses, so that neither the "
        "per-address nor the per-account limits stop them and every one asks for a hash. Meanwhile oha "
        f"measures `ledger(id)` at a fixed {flood['probe_rate']:,} req/s, with a member's token, for "
        f"{len(flood['rounds'])} round{'s' if len(flood['rounds']) > 1 else ''}: alone, during the flood, "
        "and during two references. In the first, the same flood names one account, past its failure limit, "
        "so the service refuses every login at the per-email check, before any hashing or database read. "
        "In the second, the same flood goes to a bare axum handler that answers what the service answers a "
        "refused login, so all that is left is the flood's traffic on the two cores.")
    add("")
    add("| round | `ledger(id)` | p50 ms | p99 ms | whole run p99 ms | answered | errors | p99 / alone |")
    add("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for number, run in enumerate(flood["rounds"], 1):
        rows = [("alone", run["baseline"], None)] + [(f"during {FLOODS[kind]}", run[kind]["probe"], kind)
                                                     for kind in FLOODS]
        for label, p, kind in rows:
            errors = p["non_200"] + sum(v for k, v in p["errors"].items() if "deadline" not in k)
            relative = f"{flood_ratio(run, kind):.1f}×" if kind else ""
            add(f"| {number} | {label} | {ms(steady(p)[0])} | {ms(steady(p)[1])} | {ms(p['p99_ms'])} | "
                f"{p['requests']:,} | {errors} | {relative} |")
    add("")
    add(f"GraphQL errors in the answers to `ledger(id)`, all runs: {flood['probe_graphql_errors']}.")
    add("")
    for kind in FLOODS:
        f = flood_outcomes(flood, kind)
        add(f"The answers to {FLOODS[kind]}, all rounds: {f['requests']:,} logins answered "
            f"(p50 {ms(f['p50_ms'])} ms, p99 {ms(f['p99_ms'])} ms in the median round): "
            f"{f['wrong_credentials']:,} verified and refused as wrong credentials, "
            f"{f['rate_limited']:,} RATE_LIMITED, {f['signed_in']} signed in, "
            f"{f['timeouts']} timed out, {f['other_errors']} other errors.")
        add("")

    add("## Resources")
    add("")
    add("| | |")
    add("| --- | --- |")
    add(f"| start-up (exec to the first 200 from /health/ready, seeded database, migrations already applied) | {results['startup_ms']:.0f} ms |")
    add(f"| RSS idle (2 s after start-up) | {results['rss_idle_mib']:.1f} MiB |")
    add(f"| RSS right after the dashboard runs / peak so far (VmHWM) | {results['rss_after_dashboard_mib']:.1f} / {hwm:.1f} MiB |")
    add(f"| RSS at the end (after the createEntry and login runs) / peak (VmHWM) | {results['rss_end_mib']:.1f} / {results['hwm_end_mib']:.1f} MiB |")
    if after_logins:
        left = after_logins["hash_memory_bytes_left"]
        given_back = ("when the service had given it back" if not left
                      else f"when the service still held {left / 2**20:.1f} MiB of it (not given back)")
        add(f"| RSS right after the login runs, with the hashing threads' Argon2 memory / "
            f"{after_logins['released_after_s']:.1f} s later, {given_back} | "
            f"{after_logins['rss_right_after_mib']:.1f} / {after_logins['rss_released_mib']:.1f} MiB |")
        add(f"| peak RSS (VmHWM, reset first) over {after_logins['dashboard_seconds']} s of the dashboard at 64 "
            f"connections after that ({after_logins['dashboard_requests']:,} requests) | "
            f"{after_logins['hwm_dashboard_mib']:.1f} MiB |")
    unscraped = results.get("unscraped")
    if unscraped:
        add(f"| RSS before / after {unscraped['seconds']} s of `{{ me {{ id }} }}` at saturation with nothing "
            f"reading /metrics ({unscraped['requests']:,} requests) | {unscraped['rss_before_mib']:.1f} / "
            f"{unscraped['rss_after_mib']:.1f} MiB ({unscraped['bytes_per_request']:.1f} bytes a request) |")
    add(f"| release binary | {results['binary_bytes'] / 1024 / 1024:.1f} MiB "
        + (f"({results['binary_stripped_bytes'] / 1024 / 1024:.1f} MiB stripped) |" if results.get("binary_stripped_bytes") else "|"))
    add("")
    image_section(results.get("image"), add)

    add("## Commands")
    add("")
    add("Every load command of the run, in order (bench/run issues them from the repository's root, "
        "with CARGO_TARGET_DIR=target; tokens are shortened here):")
    add("")
    add("```sh")
    for command in results["commands"]:
        add(shorten_tokens(command).replace(root.rstrip("/") + "/", ""))
    add("```")
    add("")

    template = open(os.path.join(root, "bench", "BENCHMARKS.template.md"), encoding="utf-8").read()
    target = os.path.join(docs, "BENCHMARKS.md")
    with open(target, "w", encoding="utf-8") as f:
        f.write(template.replace("{{RESULTS}}", "\n".join(lines).rstrip() + "\n"))
    print(f"bench: wrote {os.path.relpath(target, root)}")


def megabytes(n):
    """Decimal units, as registries and `docker images` count them."""
    return f"{n / 1000:.0f} kB" if n < 1_000_000 else f"{n / 1000 / 1000:.1f} MB"


def image_section(image, add):
    if not image or "error" in image:
        reason = image["error"] if image else "this run did not measure it"
        add(f"The image's size was not measured: {reason}.")
        add("")
        return
    add("### The image")
    add("")
    add("There is no container engine on the benchmark machine, so `bench/image-size` reads the Dockerfile's "
        "runtime stage and assembles each of its layers as the tar an engine stores: the base rebuilt with "
        "debuerreotype (the tool that builds Debian's official images) from deb.debian.org, each `RUN` run "
        "in a chroot of the file system so far (its layer is the files it added or changed), each `COPY` "
        "from what the builder stages make. Uncompressed is what `docker images` adds up; gzipped is what "
        "a registry stores and a pull downloads.")
    add("")
    add("| layer | uncompressed | gzipped |")
    add("| --- | --- | --- |")
    for layer in image["layers"]:
        instruction = " ".join(layer["instruction"].split())
        add(f"| `{instruction}` | {megabytes(layer['bytes'])} | {megabytes(layer['gzip_bytes'])} |")
    total = sum(layer["bytes"] for layer in image["layers"])
    total_gz = sum(layer["gzip_bytes"] for layer in image["layers"])
    add(f"| **the image** | **{megabytes(total)}** | **{megabytes(total_gz)}** |")
    add("")


def shorten_tokens(command):
    import re

    return re.sub(r"Bearer [A-Za-z0-9._-]+", "Bearer $TOKEN", command).replace(
        "benchmark-secret-benchmark-secret-0123456789", "$JWT_SECRET")
