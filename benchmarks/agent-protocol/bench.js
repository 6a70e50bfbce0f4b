#!/usr/bin/env node
'use strict';
// Agent Protocol load driver: measures with wrk (requests.lua), bulk-loads the
// store with autocannon. Usually started by run.sh, which builds and starts the
// servers. Usage:
//   node bench.js --target ours=http://127.0.0.1:5001 --target reference=http://127.0.0.1:5002
//                 [--duration 10] [--warmup 2] [--connections 10] [--tasks 50000]
//                 [--step-tasks 5] [--step-warmup N (default: --warmup)] [--out results/latest.json]
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFile, spawnSync } = require('child_process');
const { promisify } = require('util');
const autocannon = require('autocannon');

const execFileP = promisify(execFile);
const LUA = path.join(__dirname, 'requests.lua');

const TASKS = '/ap/v1/agent/tasks';
const JSON_HEADERS = { 'content-type': 'application/json' };
const BODY = JSON.stringify({ input: 'hello' });
const WORKLOADS = [
  ['create_task', 'POST /tasks'],
  ['get_first', 'GET /tasks/{first}'],
  ['get_last', 'GET /tasks/{last}'],
  ['step', 'POST /tasks/{id}/steps'],
];

function parseArgs(argv) {
  const opts = { targets: [], duration: 10, warmup: 2, stepWarmup: null, connections: 10, tasks: 50000, stepTasks: 5,
    out: path.join(__dirname, 'results', 'latest.json') };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`missing value for ${flag}`);
    const num = () => { const n = Number(value); if (!Number.isInteger(n) || n < 0) throw new Error(`bad ${flag}: ${value}`); return n; };
    switch (flag) {
      case '--target': {
        const m = /^(ours|reference)=(https?:\/\/.+?)\/?$/.exec(value);
        if (!m) throw new Error(`bad --target ${value} (want ours|reference=http://host:port)`);
        opts.targets.push({ name: m[1], base: m[2] });
        break;
      }
      case '--duration': opts.duration = num(); break;
      case '--warmup': opts.warmup = num(); break;
      case '--step-warmup': opts.stepWarmup = num(); break;
      case '--connections': opts.connections = num(); break;
      case '--tasks': opts.tasks = num(); break;
      case '--step-tasks': opts.stepTasks = num(); break;
      case '--out': opts.out = path.resolve(value); break;
      default: throw new Error(`unknown option ${flag}`);
    }
  }
  if (!opts.targets.length) throw new Error('at least one --target name=url is required');
  if (opts.duration < 1 || opts.connections < 1 || opts.stepTasks < 1) throw new Error('--duration, --connections and --step-tasks must be >= 1');
  if (opts.tasks < opts.stepTasks + 2) throw new Error(`--tasks must be >= ${opts.stepTasks + 2}`);
  return opts;
}

async function call(base, method, urlPath, body) {
  const res = await fetch(base + urlPath, { method, headers: body ? JSON_HEADERS : undefined, body });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json, text };
}

async function createTask(base) {
  const r = await call(base, 'POST', TASKS, BODY);
  if (r.status !== 200 || !r.json || !r.json.task_id) throw new Error(`POST ${TASKS} -> ${r.status}: ${r.text.slice(0, 200)}`);
  return r.json.task_id;
}

// Total stored tasks from the spec's list endpoint, or null if it is unusable.
async function countTasks(base) {
  try {
    const r = await call(base, 'GET', `${TASKS}?current_page=1&page_size=1`);
    const n = r.status === 200 && r.json && r.json.pagination && r.json.pagination.total_items;
    return Number.isInteger(n) ? n : null;
  } catch { return null; }
}

const round = (x, d = 3) => (x == null ? null : Number(x.toFixed(d)));

// wrk prints times as e.g. 812.00us, 1.23ms, 5.00s, 1.00m; returns milliseconds.
const UNIT_MS = { us: 1e-3, ms: 1, s: 1e3, m: 60e3, h: 3600e3 };
function toMs(text) {
  const m = /^(\d+(?:\.\d+)?)(us|ms|s|m|h)$/.exec(text);
  if (!m) throw new Error(`unexpected wrk time ${text}`);
  return Number(m[1]) * UNIT_MS[m[2]];
}

// Turns the text report of `wrk --latency` into numbers. wrk counts every
// complete response in "requests" and its latency histogram, and responses with
// status >= 400 as "Non-2xx or 3xx responses".
function parseWrk(out) {
  const total = /^\s*(\d+) requests in (\S+),/m.exec(out);
  const mean = /^\s*Latency\s+(\d\S*)/m.exec(out);
  const dist = /Latency Distribution\n((?:\s+\d+%\s+\S+\n)+)/.exec(out);
  if (!total || !mean || !dist) throw new Error(`cannot parse wrk output:\n${out}`);
  const pct = Object.fromEntries([...dist[1].matchAll(/(\d+)%\s+(\S+)/g)].map(([, q, t]) => [q, toMs(t)]));
  const sock = (/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out) || [0, 0, 0, 0, 0])
    .slice(1).map(Number);
  const requests = Number(total[1]);
  const non2xx = Number((/Non-2xx or 3xx responses: (\d+)/.exec(out) || [0, 0])[1]);
  const seconds = toMs(total[2]) / 1000;
  return {
    requests,
    ok_2xx: requests - non2xx,
    non_2xx: non2xx,
    errors: sock[0] + sock[1] + sock[2],
    timeouts: sock[3],
    socket_errors: { connect: sock[0], read: sock[1], write: sock[2], timeout: sock[3] },
    seconds,
    req_per_s: round((requests - non2xx) / seconds, 1),
    p50_ms: round(pct['50']),
    p99_ms: round(pct['99']),
    mean_ms: round(toMs(mean[1])),
  };
}

// One wrk run: one thread, `connections` keep-alive connections, `method` over `paths`.
async function wrk(base, { seconds, connections }, method, paths) {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '--latency',
    '-s', LUA, base, '--', method, ...paths];
  const { stdout } = await execFileP('wrk', args);
  return parseWrk(stdout);
}

// Exact-count bulk load (autocannon stops after `amount` responses).
async function bulkCreate(base, amount, connections) {
  const t0 = process.hrtime.bigint();
  const r = await autocannon({ url: base + TASKS, method: 'POST', headers: JSON_HEADERS, body: BODY,
    amount, connections, timeout: 10 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { requests: r.requests.total, ok_2xx: r['2xx'], non_2xx: r.non2xx, errors: r.errors,
    timeouts: r.timeouts, seconds: round(seconds), req_per_s: round(r['2xx'] / seconds, 1) };
}

// What went wrong in a run, or '' when it is clean.
function problem(s) {
  const parts = [];
  if (s.non_2xx) parts.push(`${s.non_2xx} non-2xx`);
  if (s.errors) parts.push(`${s.errors} errors`);
  if (s.timeouts) parts.push(`${s.timeouts} timeouts`);
  if (!s.ok_2xx) parts.push('no successful responses');
  return parts.join(', ');
}

async function measure(base, opts, label, method, paths) {
  if (opts.warmup > 0) {
    const w = await wrk(base, { seconds: opts.warmup, connections: opts.connections }, method, paths);
    if (problem(w)) console.log(`    warm-up for ${label}: ${problem(w)}`);
  }
  const s = await wrk(base, { seconds: opts.duration, connections: opts.connections }, method, paths);
  const flag = problem(s) ? `   !!! ${problem(s)}` : '';
  console.log(`    ${label.padEnd(24)} ${String(Math.round(s.req_per_s)).padStart(7)} req/s  p50 ${s.p50_ms} ms  p99 ${s.p99_ms} ms${flag}`);
  return s;
}

// Sums two wrk runs of the same workload: req/s over the combined time, the mean of the p50s, the worse p99.
function combine(a, b) {
  const sum = (k) => a[k] + b[k];
  const seconds = sum('seconds');
  return {
    requests: sum('requests'), ok_2xx: sum('ok_2xx'), non_2xx: sum('non_2xx'), errors: sum('errors'), timeouts: sum('timeouts'),
    seconds: round(seconds), req_per_s: round(sum('ok_2xx') / seconds, 1),
    p50_ms: round((a.p50_ms + b.p50_ms) / 2), p99_ms: Math.max(a.p99_ms, b.p99_ms), mean_ms: round((a.mean_ms + b.mean_ms) / 2),
    runs: [a, b],
  };
}

// GET first and GET last are measured in the order first, last, last, first (half the duration each), so a drift
// of the machine during the run (JIT, caches, other load) weighs on both equally.
async function measurePair(base, opts, labels, paths) {
  const half = { ...opts, duration: Math.max(1, Math.round(opts.duration / 2)) };
  const quiet = { ...half, warmup: 0 };
  const a1 = await measure(base, half, `${labels[0]} (1/2)`, 'GET', [paths[0]]);
  const b1 = await measure(base, half, `${labels[1]} (1/2)`, 'GET', [paths[1]]);
  const b2 = await measure(base, quiet, `${labels[1]} (2/2)`, 'GET', [paths[1]]);
  const a2 = await measure(base, quiet, `${labels[0]} (2/2)`, 'GET', [paths[0]]);
  return [combine(a1, a2), combine(b1, b2)];
}

async function expectOk(base, method, urlPath, body, check) {
  const r = await call(base, method, urlPath, body);
  if (r.status !== 200 || !r.json || !check(r.json)) throw new Error(`${method} ${urlPath} -> ${r.status}: ${r.text.slice(0, 200)}`);
}

async function benchServer(target, opts) {
  const { name, base } = target;
  console.log(`\n== ${name} (${base})`);

  // The store is built in a known order: first, step tasks, bulk, last.
  const first = await createTask(base);
  const stepIds = [];
  for (let i = 0; i < opts.stepTasks; i++) stepIds.push(await createTask(base));
  const bulkAmount = opts.tasks - opts.stepTasks - 2;
  let bulk = null;
  if (bulkAmount > 0) {
    bulk = await bulkCreate(base, bulkAmount, opts.connections);
    console.log(`    bulk load: ${bulk.ok_2xx} tasks in ${bulk.seconds} s (${bulk.req_per_s} req/s)` +
      (problem(bulk) ? `   !!! ${problem(bulk)}` : ''));
  }
  // Top up anything the bulk load failed to store, so the count is exact.
  let stored = await countTasks(base);
  const countExact = stored !== null;
  if (!countExact) {
    stored = 1 + opts.stepTasks + (bulk ? bulk.ok_2xx : 0);
    console.log('    !!! list endpoint unusable; task count inferred from 2xx responses');
  }
  for (; stored < opts.tasks - 1; stored++) await createTask(base);
  const last = await createTask(base);
  stored = countExact ? await countTasks(base) : stored + 1;
  console.log(`    stored tasks: ${stored}${stored === opts.tasks ? '' : `   !!! expected ${opts.tasks}`}`);

  await expectOk(base, 'GET', `${TASKS}/${first}`, undefined, (j) => j.task_id === first);
  await expectOk(base, 'GET', `${TASKS}/${last}`, undefined, (j) => j.task_id === last);
  await expectOk(base, 'POST', `${TASKS}/${stepIds[0]}/steps`, BODY, (j) => j.output === 'hello');

  const workloads = {};
  [workloads.get_first, workloads.get_last] = await measurePair(base, opts,
    ['GET /tasks/{first}', 'GET /tasks/{last}'], [`${TASKS}/${first}`, `${TASKS}/${last}`]);
  // A runtime agent's processes start lazily on the first step and JIT-compile while they work: --step-warmup lets
  // the step load reach its steady state before it is measured.
  const stepOpts = opts.stepWarmup == null ? opts : { ...opts, warmup: opts.stepWarmup };
  workloads.step = await measure(base, stepOpts, 'POST /tasks/{id}/steps', 'POST',
    stepIds.map((id) => `${TASKS}/${id}/steps`));
  // Creating tasks last keeps the store at exactly opts.tasks for the GETs.
  workloads.create_task = await measure(base, opts, 'POST /tasks', 'POST', [TASKS]);

  const lastFirst = workloads.get_first.req_per_s ? round(workloads.get_last.req_per_s / workloads.get_first.req_per_s) : null;
  console.log(`    GET last/first req/s ratio: ${lastFirst}`);
  return { base, stored_tasks: stored, stored_tasks_exact: countExact, first_task_id: first, last_task_id: last,
    step_task_ids: stepIds, bulk_load: bulk, workloads, get_last_first_ratio: lastFirst };
}

const ms = (x) => (x == null ? 'n/a' : x.toFixed(2));

function cell(s) {
  if (!s) return ['-', '-', '-'];
  return [`${Math.round(s.req_per_s)}${problem(s) ? ' !!' : ''}`, ms(s.p50_ms), ms(s.p99_ms)];
}

function printTable(results) {
  const ours = results.ours;
  const ref = results.reference;
  const rows = [['workload', 'ours req/s', 'p50 ms', 'p99 ms', 'ref req/s', 'p50 ms', 'p99 ms', 'ours/ref']];
  const ratios = {};
  for (const [key, label] of WORKLOADS) {
    const o = ours && ours.workloads[key];
    const r = ref && ref.workloads[key];
    ratios[key] = o && r && r.req_per_s ? round(o.req_per_s / r.req_per_s, 2) : null;
    rows.push([label, ...cell(o), ...cell(r), ratios[key] == null ? '-' : String(ratios[key])]);
  }
  rows.push(['GET last/first ratio', ours ? String(ours.get_last_first_ratio) : '-', '', '',
    ref ? String(ref.get_last_first_ratio) : '-', '', '', '']);
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const line = (row) => row.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join(' | ');
  console.log('\n' + line(rows[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  rows.slice(1).forEach((row) => console.log(line(row)));
  return ratios;
}

// e.g. "debian/4.1.0-3+b2" (wrk -v prints it, then exits with status 1).
const wrkVersion = () => (/^wrk (\S+)/.exec(spawnSync('wrk', ['-v']).stdout || '') || [null, null])[1];

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  console.log(`duration ${opts.duration} s, warm-up ${opts.warmup} s` +
    (opts.stepWarmup == null ? '' : ` (POST step: ${opts.stepWarmup} s)`) + `, ${opts.connections} connections, ` +
    `${opts.tasks} stored tasks, ${opts.stepTasks} step tasks`);
  const servers = {};
  for (const target of opts.targets) servers[target.name] = await benchServer(target, opts);

  const ratios = printTable(servers);
  const problems = [];
  for (const [name, s] of Object.entries(servers)) {
    for (const [key, w] of Object.entries({ bulk_load: s.bulk_load, ...s.workloads })) {
      if (w && problem(w)) problems.push(`${name} ${key}: ${problem(w)}`);
    }
    if (s.stored_tasks !== opts.tasks) problems.push(`${name}: stored ${s.stored_tasks} tasks, expected ${opts.tasks}`);
  }

  const result = {
    date: new Date().toISOString(),
    settings: { load_generator: `wrk -t1 -c${opts.connections} --timeout 10s --latency`, bulk_loader: 'autocannon',
      duration_s: opts.duration, warmup_s: opts.warmup, connections: opts.connections,
      tasks: opts.tasks, step_tasks: opts.stepTasks },
    environment: { wrk: wrkVersion(), node: process.version, autocannon: require('autocannon/package.json').version,
      agent_protocol: require('agent-protocol/package.json').version, cpus: os.cpus().length,
      cpu_model: (os.cpus()[0] || {}).model, platform: `${os.platform()} ${os.release()}` },
    servers,
    ours_over_reference_req_per_s: ratios,
    problems,
  };
  fs.mkdirSync(path.dirname(opts.out), { recursive: true });
  fs.writeFileSync(opts.out, JSON.stringify(result, null, 2) + '\n');
  console.log(`\nresults written to ${opts.out}`);

  if (problems.length) {
    console.log('\n' + '!'.repeat(72));
    console.log('!!! RESULTS ARE NOT CLEAN: some requests failed; the figures above are suspect');
    problems.forEach((p) => console.log(`!!!   ${p}`));
    console.log('!'.repeat(72));
    process.exitCode = 3;
  }
}

main().catch((err) => {
  console.error(`bench.js: ${err.message}`);
  process.exitCode = 1;
});
