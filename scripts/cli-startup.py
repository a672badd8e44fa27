#!/usr/bin/env python3
# CLI start-up figures (docs/reference/cli.md): starts a local server (embedded PostgreSQL in a temp dir), creates
# an account, then runs each command ROUNDS times (default 5), interleaved, and prints median wall and CPU ms.
# BEFORE=<checkout of another commit, with node_modules> adds that checkout's commands for a before/after table.
#   python3 scripts/cli-startup.py
import json, os, shutil, statistics, subprocess, tempfile, time, urllib.request
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
before = os.environ.get("BEFORE")
node = os.path.join(root, "node_modules/.bin/node")
port = int(os.environ.get("PORT", "18431"))
d = tempfile.mkdtemp(); os.chmod(d, 0o755)
env = dict(os.environ, TALLY_DATA_DIR=d, TALLY_HTTP_HOST="127.0.0.1", TALLY_HTTP_PORT=str(port),
           TALLY_METRICS_PORT=str(port + 1), TALLY_ADMIN_API_KEY="cli-time-key")
server = subprocess.Popen([node, "packages/server/src/main.ts", "serve"], cwd=root, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz"); break
        except Exception:
            time.sleep(0.2)
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/accounts", data=b'{"currency":"EUR"}',
                                 headers={"authorization": "Bearer cli-time-key", "content-type": "application/json"})
    acc = json.load(urllib.request.urlopen(req))["id"]
    cenv = dict(os.environ, TALLY_API_KEY="cli-time-key", TALLY_HTTP_PORT=str(port))
    cmds = [
        ("before: npm run tally -- accounts get <id>", ["npm", "run", "-s", "tally", "--", "accounts", "get", acc], before),
        ("after:  npm run tally -- accounts get <id>", ["npm", "run", "-s", "tally", "--", "accounts", "get", acc], root),
        ("before: node packages/server/src/main.ts accounts get <id>", [node, "packages/server/src/main.ts", "accounts", "get", acc], before),
        ("after:  node packages/server/src/main.ts accounts get <id>", [node, "packages/server/src/main.ts", "accounts", "get", acc], root),
        ("after:  node_modules/.bin/tally accounts get <id>", ["node_modules/.bin/tally", "accounts", "get", acc], root),
    ]
    def run(argv, cwd):
        t = time.perf_counter()
        p = subprocess.Popen(argv, cwd=cwd, env=cenv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _, status, ru = os.wait4(p.pid, 0)
        wall = (time.perf_counter() - t) * 1000
        out = p.stdout.read().decode()
        assert status == 0 and "available" in out, (argv, status, out, p.stderr.read())
        return wall, (ru.ru_utime + ru.ru_stime) * 1000
    cmds = [c for c in cmds if c[2] is not None]
    for _, argv, cwd in cmds: run(argv, cwd)  # warm the file and compile caches
    res = {name: ([], []) for name, _, _ in cmds}
    for _ in range(int(os.environ.get("ROUNDS", "5"))):
        for name, argv, cwd in cmds:
            w, c = run(argv, cwd); res[name][0].append(w); res[name][1].append(c)
    for name, (w, c) in res.items():
        print(f"{name}: wall median {statistics.median(w):.0f} ms (runs {' '.join(f'{x:.0f}' for x in w)}), CPU median {statistics.median(c):.0f} ms")
    print("load:", open("/proc/loadavg").read().split()[:3])
finally:
    server.terminate(); server.wait()
    shutil.rmtree(d, ignore_errors=True)
