"""Draws the PNG plots of a benchmark result JSON (written by bench/*/*.ts) beside it.

relay-throughput: messages/s over time (ceiling runs and the drain); the relay's RSS and CPU.
relay-latency:    the commit-to-receipt latency distribution and its percentiles over time; RSS and CPU.
operator-scale:   resources reconciled and children over time; the operator's RSS and CPU.
"""
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

DPI = 110


def rate_series(points, step=0.5):
    """Messages/s per `step` seconds from cumulative [t, count] points (linear between points)."""
    if len(points) < 2:
        return [], []
    ts = [p[0] for p in points]
    ns = [p[1] for p in points]
    out_t, out_r = [], []
    t = ts[0]
    i = 0

    def count_at(x):
        nonlocal i
        while i + 1 < len(ts) and ts[i + 1] < x:
            i += 1
        if x <= ts[0]:
            return ns[0]
        if i + 1 >= len(ts):
            return ns[-1]
        t0, t1, n0, n1 = ts[i], ts[i + 1], ns[i], ns[i + 1]
        return n0 + (n1 - n0) * (x - t0) / (t1 - t0) if t1 > t0 else n1

    while t + step <= ts[-1] + 1e-9:
        a = count_at(t)
        b = count_at(t + step)
        out_t.append(t + step / 2)
        out_r.append((b - a) / step)
        t += step
    return out_t, out_r


def subtitle(result):
    m = result["machine"]
    return f"{m['cores']} cores, {m['memoryGiB']} GiB, Node.js {m['node']}, commit {m['commit']}, {result['startedAt'][:16]}Z"


def footprint_plot(result, samples, out, who, x_label):
    if not samples:
        return
    t = [s[0] for s in samples]
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    ax1.plot(t, [s[1] for s in samples], color="tab:blue")
    ax1.set_ylabel("RSS (MB)")
    ax1.axhline(150, color="tab:red", linestyle="--", linewidth=1, label="target 150 MB")
    ax1.set_ylim(bottom=0)
    ax1.legend(loc="lower right")
    ax1.grid(alpha=0.3)
    ax2.plot(t, [s[2] for s in samples], color="tab:orange", label=f"{who} CPU (% of one core)")
    if len(samples[0]) > 3:
        ax2.plot(t, [s[3] for s in samples], color="tab:gray", alpha=0.6, label="machine busy (% of all cores)")
    ax2.set_ylabel("CPU (%)")
    ax2.set_xlabel(x_label)
    ax2.set_ylim(bottom=0)
    ax2.legend(loc="upper right")
    ax2.grid(alpha=0.3)
    fig.suptitle(f"{result['title']}\n{who} footprint — {subtitle(result)}", fontsize=10)
    fig.tight_layout()
    fig.savefig(out, dpi=DPI)
    plt.close(fig)
    print(f"wrote {out}")


def relay_throughput(result, base):
    s = result["series"]
    ceilings = [[[0, 0]] + points for points in s["ceiling"]]
    longest = max(p[-1][0] for p in ceilings + [s["drain"]])
    # About 60 windows over the longest run, between 50 ms and 1 s each.
    step = min(1.0, max(0.05, round(longest / 60, 2)))
    fig, ax = plt.subplots(figsize=(9, 5))
    for i, points in enumerate(ceilings):
        t, r = rate_series(points, step)
        ax.plot(t, r, label=f"ceiling run {i + 1} (publisher alone)", alpha=0.8)
    t, r = rate_series(s["drain"], step)
    ax.plot(t, r, label="drain (relay, from the database)", color="black", linewidth=2)
    summary = {row["measure"]: row["value"] for row in result["summary"]}
    ax.set_title(
        f"{result['title']}\nratio drain/ceiling = {summary.get('drain / ceiling')} — {subtitle(result)}",
        fontsize=10,
    )
    ax.set_xlabel("seconds since the first message")
    ax.set_ylabel(f"messages/s ({step:g} s windows)")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(f"{base}-throughput.png", dpi=DPI)
    plt.close(fig)
    print(f"wrote {base}-throughput.png")
    footprint_plot(result, s["relay"], f"{base}-footprint.png", "relay", "seconds since the first message")


def relay_latency(result, base):
    s = result["series"]
    hist = s["latencyHistogram"]
    edges, counts = hist["edges"], hist["counts"]
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 8))
    widths = [edges[i + 1] - edges[i] for i in range(len(counts))]
    # Shares, not counts: the baseline runs for a shorter time than the relay.
    share = [100 * c / max(1, sum(counts)) for c in counts]
    ax1.bar(edges[:-1], share, width=widths, align="edge", color="tab:blue", alpha=0.7, label="relay")
    baseline = s.get("baselineHistogram")
    if baseline and sum(baseline["counts"]) > 0:
        total = sum(baseline["counts"])
        ax1.stairs(
            [100 * c / total for c in baseline["counts"]],
            baseline["edges"],
            color="black",
            linewidth=1.2,
            label="baseline: publisher alone",
        )
    ax1.set_xscale("log")
    used = [i for i, c in enumerate(counts) if c > 0]
    if baseline:
        used += [i for i, c in enumerate(baseline["counts"]) if c > 0]
        used.sort()
    if used:
        ax1.set_xlim(edges[used[0]] / 1.5, edges[used[-1] + 1] * 1.5)
    ax1.set_xlabel("commit to receipt (ms, log scale)")
    ax1.set_ylabel("% of rows")
    d = result["data"]["latency"]
    for name, color in (("p50", "tab:green"), ("p99", "tab:orange"), ("max", "tab:red")):
        ax1.axvline(d[name], color=color, linestyle="--", linewidth=1, label=f"{name} {d[name]:.1f} ms")
    ax1.legend(loc="upper left", fontsize=8)
    ax1.grid(alpha=0.3)
    ax1.set_title("distribution")
    per_second = s["perSecond"]
    t = [p[0] for p in per_second]
    ax2.plot(t, [p[1] for p in per_second], label="p50", color="tab:green")
    ax2.plot(t, [p[2] for p in per_second], label="p99", color="tab:orange")
    ax2.plot(t, [p[3] for p in per_second], label="max", color="tab:red", alpha=0.6)
    ax2.set_yscale("log")
    ax2.set_xlabel("second of the run (rows by their scheduled insert time)")
    ax2.set_ylabel("ms (log scale)")
    ax2.legend(loc="upper right")
    ax2.grid(alpha=0.3)
    ax2.set_title("per second")
    fig.suptitle(f"{result['title']}\n{subtitle(result)}", fontsize=10)
    fig.tight_layout()
    fig.savefig(f"{base}-latency.png", dpi=DPI)
    plt.close(fig)
    print(f"wrote {base}-latency.png")
    footprint_plot(result, s["relay"], f"{base}-footprint.png", "relay", "seconds since the first insert")


def operator_scale(result, base):
    s = result["series"]
    fig, ax = plt.subplots(figsize=(9, 5))
    for key, label in (
        ("created", "OutboxRelays created"),
        ("deployments", "relay Deployments"),
        ("cronjobs", "cleanup CronJobs"),
        ("reconciled", "Reconciled=True"),
    ):
        points = s["progress"][key]
        if points:
            ax.step([p[0] for p in points], [p[1] for p in points], where="post", label=label)
    ax.set_xlabel("seconds since the first create")
    ax.set_ylabel("resources")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    ax.set_title(f"{result['title']}\n{subtitle(result)}", fontsize=10)
    fig.tight_layout()
    fig.savefig(f"{base}-progress.png", dpi=DPI)
    plt.close(fig)
    print(f"wrote {base}-progress.png")
    footprint_plot(result, s["operator"], f"{base}-footprint.png", "operator", "seconds since the first create")


PLOTTERS = {
    "relay-throughput": relay_throughput,
    "relay-latency": relay_latency,
    "operator-scale": operator_scale,
}


def main(paths):
    for path in paths:
        result = json.loads(Path(path).read_text())
        plotter = PLOTTERS.get(result.get("benchmark"))
        if plotter is None:
            sys.exit(f"bench/plot.py: {path}: unknown benchmark {result.get('benchmark')!r}")
        plotter(result, str(Path(path).with_suffix("")))


if __name__ == "__main__":
    main(sys.argv[1:])
