"""Drives the cold-start benchmark (see run.sh): first and second step of new tasks on the 'jit' and 'native' agents."""
import json
import re
import statistics
import sys
import time
import urllib.request

base, tasks, server_log = sys.argv[1], int(sys.argv[2]), sys.argv[3]


def post(path, body):
    request = urllib.request.Request(base + path, json.dumps(body).encode(), {"Content-Type": "application/json"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.load(response)
    return answer, (time.perf_counter() - started) * 1000


def rss_kib(run_id):
    # The launcher logs "Started runtime process PID for run RUN, ..." (event 5002).
    with open(server_log, encoding="utf-8") as log:
        pids = re.findall(r"Started runtime process (\d+) for run " + run_id, log.read())
    if not pids:
        return None
    try:
        with open(f"/proc/{pids[-1]}/status", encoding="utf-8") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    except (FileNotFoundError, StopIteration):
        return None


results = {"jit": {"first": [], "second": [], "rss": []}, "native": {"first": [], "second": [], "rss": []}}
for i in range(tasks + 1):  # the first round warms the service up and is not counted
    for agent in ("jit", "native"):
        task, _ = post(f"/agents/{agent}/ap/v1/agent/tasks", {"input": "cold start"})
        first, first_ms = post(f"/agents/{agent}/ap/v1/agent/tasks/{task['task_id']}/steps", {"input": "first"})
        second, second_ms = post(f"/agents/{agent}/ap/v1/agent/tasks/{task['task_id']}/steps", {"input": "second"})
        if first["status"] != "completed" or second["status"] != "completed":
            sys.exit(f"{agent}: a step did not complete: {first['status']}, {second['status']}")
        if i == 0:
            continue
        results[agent]["first"].append(first_ms)
        results[agent]["second"].append(second_ms)
        if (rss := rss_kib(task["task_id"])) is not None:
            results[agent]["rss"].append(rss)


def quantile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


print(f"{tasks} new tasks per agent, alternating; times in ms as the client sees them")
print(f"{'agent':8} | {'first step p50':>14} | {'p90':>7} | {'second step p50':>15} | {'runtime RSS MiB':>15}")
for agent, r in results.items():
    rss = f"{statistics.median(r['rss']) / 1024:.1f}" if r["rss"] else "-"
    print(f"{agent:8} | {statistics.median(r['first']):14.1f} | {quantile(r['first'], 0.9):7.1f} | "
          f"{statistics.median(r['second']):15.1f} | {rss:>15}")
ratio = statistics.median(results["native"]["first"]) / statistics.median(results["jit"]["first"])
print(f"first step, native / jit: {ratio:.2f}")
