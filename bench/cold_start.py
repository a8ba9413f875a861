"""Cold start of the AWS Lambda handlers: imports and first answer, each in a fresh process.

Each handler of src/dataops/aws.py starts in a new Python process (as in a new Lambda
container) and answers its first event: the portal a `GET /login` (no engine call), the engine
a `GET /api/health` from the broker (its tables checked at start-up, against moto server),
the scheduled runs a cron run on empty tables. Reported: the import of `dataops.aws`, the
first answer (the application built, then the event served), the modules loaded, and the five
imports that cost the portal most (`python -X importtime`). Usage: `python -m bench cold_start
[--repeat 5]`. Lambda's own runtime start (before our code) is not in these figures.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
from collections import defaultdict

from bench.dynamodb import environment, moto_server

SECRET = "s" * 64
PORTAL_EVENT = {
    "version": "2.0",
    "rawPath": "/login",
    "rawQueryString": "",
    "headers": {"host": "x.lambda-url.eu-west-1.on.aws"},
    "requestContext": {
        "domainName": "x.lambda-url.eu-west-1.on.aws",
        "http": {"method": "GET", "path": "/login", "sourceIp": "203.0.113.7"},
    },
    "isBase64Encoded": False,
}
ENGINE_EVENT = {
    "dataops": "dataops.engine-request/1",
    "method": "GET",
    "path": "/api/health",
    "rawPath": "/api/health",
    "query": "",
    "headers": [["x-portal-auth", "true"], ["x-portal-secret", SECRET]],
    "client": None,
    "body": "",
    "isBase64Encoded": False,
}
SCRIPT = """
import json, sys, time
started = time.perf_counter()
from dataops import aws
imported = time.perf_counter()
answer = aws.{handler}({event!r}, None)
answered = time.perf_counter()
assert {check}, answer
print(json.dumps({{"import": imported - started, "first": answered - imported,
                  "modules": len(sys.modules)}}))
"""
HANDLERS = {
    "portal": ("portal_handler", PORTAL_EVENT, "answer['statusCode'] == 200"),
    "engine": ("engine_handler", ENGINE_EVENT, "answer['status'] == 200"),
    "scheduler": ("scheduled_handler", {"job": "cron"}, "answer['job'] == 'cron'"),
}


def run_once(name: str, env: dict[str, str]) -> dict[str, float]:
    handler, event, check = HANDLERS[name]
    script = SCRIPT.format(handler=handler, event=event, check=check)
    ran = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
    )
    if ran.returncode != 0:
        raise SystemExit(f"{name}: {ran.stderr.strip().splitlines()[-1]}")
    result: dict[str, float] = json.loads(ran.stdout)
    return result


def portal_imports(env: dict[str, str]) -> list[tuple[str, float]]:
    """The portal's costliest imports (cumulative), from `-X importtime`."""
    handler, event, _ = HANDLERS["portal"]
    script = f"from dataops import aws\naws.{handler}({event!r}, None)\n"
    ran = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    top: dict[str, float] = {}
    for line in ran.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)", line)
        if match and len(match.group(2)) <= 1:  # top-level imports only
            top[match.group(3)] = int(match.group(1)) / 1_000_000
    return sorted(top.items(), key=lambda item: -item[1])[:5]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench cold_start")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    base = {"PATH": os.environ.get("PATH", ""), "WORK_ENGINE_PORTAL_SECRET": SECRET}
    with moto_server() as endpoint:
        data = environment(endpoint, "cold-")
        from dataops.bootstrap import open_store
        from dataops.config import Settings

        open_store(Settings.from_env(data)).close()  # the tables, as the template makes them
        credentials = {
            key: os.environ[key]
            for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")
        }
        envs = {
            "portal": {**base, "DATAOPS_ENGINE_FUNCTION": "dataops-engine"},
            "engine": {
                **base,
                **credentials,
                **data,
                "DATAOPS_ENV": "production",
                "DATAOPS_AUTH_MODE": "portal",
                "AWS_LAMBDA_FUNCTION_NAME": "dataops-engine",
            },
            "scheduler": {
                **base,
                **credentials,
                **data,
                "DATAOPS_ENV": "production",
                "DATAOPS_AUTH_MODE": "portal",
                "AWS_LAMBDA_FUNCTION_NAME": "dataops-scheduler",
            },
        }
        results: dict[str, list[dict[str, float]]] = defaultdict(list)
        for _ in range(args.repeat):
            for name in HANDLERS:
                results[name].append(run_once(name, envs[name]))
        top = portal_imports(envs["portal"])
    print(f"median of {args.repeat} fresh processes each (seconds)\n")
    print("| handler | import dataops.aws | first answer (app + event) | total | modules |")
    print("|---|---|---|---|---|")
    for name, runs in results.items():
        imported = statistics.median(run["import"] for run in runs)
        first = statistics.median(run["first"] for run in runs)
        modules = int(statistics.median(run["modules"] for run in runs))
        print(f"| {name} | {imported:.3f} | {first:.3f} | {imported + first:.3f} | {modules} |")
    print("\nportal: costliest top-level imports (cumulative seconds)")
    for module, seconds in top:
        print(f"  {module:<28} {seconds:.3f}")
    return 0
