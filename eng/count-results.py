#!/usr/bin/env python3
"""Sums test results: every .trx file under a directory (dotnet test), newman JSON reports (conformance) and
benchmark smoke reports (.txt, a line "passed NAME" or "failed NAME" per benchmark).

Prints one line per source and, last, 'N passed, N failed'. Exits 1 when anything failed or nothing ran.
Usage: eng/count-results.py RESULTS_DIR [NEWMAN_REPORT.json | SMOKE_REPORT.txt ...]
"""
import json
import pathlib
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}


def count_trx(path):
    root = ET.parse(path).getroot()
    counters = root.find("t:ResultSummary/t:Counters", NS)
    get = lambda name: int(counters.get(name, 0))
    failed = get("failed") + get("error") + get("timeout") + get("aborted")
    test = root.find("t:TestDefinitions/t:UnitTest", NS)
    name = pathlib.Path(test.get("storage")).stem if test is not None else path.stem
    if path.parent.name == "postgres":
        name += " (PostgreSQL)"
    for result in root.iterfind("t:Results/t:UnitTestResult", NS):
        if result.get("outcome") not in ("Passed", "NotExecuted"):
            print(f"  FAIL {result.get('testName')}")
    return name, get("passed"), failed


def count_newman(path):
    run = json.loads(pathlib.Path(path).read_text())["run"]
    passed = failed = 0
    for execution in run["executions"]:
        name = execution["item"]["name"]
        code = execution.get("response", {}).get("code")
        # A request counts as a check of its own: it must be answered with a success status.
        if execution.get("requestError") or code is None or code >= 400:
            failed += 1
            print(f"  conformance FAIL request '{name}': status {code} {execution.get('requestError') or ''}")
        else:
            passed += 1
        for assertion in execution.get("assertions", []):
            if assertion.get("error"):
                failed += 1
                print(f"  conformance FAIL '{name}' / {assertion['assertion']}: {assertion['error'].get('message')}")
            else:
                passed += 1
    for failure in run.get("failures", []):
        if failure.get("error", {}).get("name") not in ("AssertionError",):
            failed += 1
            print(f"  conformance FAIL {failure.get('source', {}).get('name')}: {failure['error'].get('message')}")
    return passed, failed


def count_smoke(path):
    passed = failed = 0
    for line in pathlib.Path(path).read_text().splitlines():
        outcome, _, name = line.partition(" ")
        if outcome == "passed":
            passed += 1
        else:
            failed += 1
            print(f"  benchmark FAIL {name or line}")
    return passed, failed


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    total_passed = total_failed = 0
    for trx in sorted(pathlib.Path(sys.argv[1]).rglob("*.trx")):
        name, p, f = count_trx(trx)
        print(f"{name}: {p} passed, {f} failed")
        total_passed += p
        total_failed += f
    for report in sys.argv[2:]:
        if not pathlib.Path(report).exists():
            print(f"{report}: missing (the suite did not run)")
            total_failed += 1
            continue
        if report.endswith(".txt"):
            p, f = count_smoke(report)
            print(f"benchmark smoke ({pathlib.Path(report).name}): {p} passed, {f} failed")
        else:
            p, f = count_newman(report)
            print(f"conformance ({pathlib.Path(report).name}): {p} passed, {f} failed")
        total_passed += p
        total_failed += f
    print(f"{total_passed} passed, {total_failed} failed")
    sys.exit(1 if total_failed or not total_passed else 0)


if __name__ == "__main__":
    main()
