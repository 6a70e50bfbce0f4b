#!/usr/bin/env node
'use strict';
// Agent Protocol load driver (autocannon). Usually started by run.sh, which
// builds and starts the servers. Usage:
//   node bench.js --target ours=http://127.0.0.1:5001 --target reference=http://127.0.0.1:5002
//                 [--duration 10] [--warmup 2] [--connections 10] [--tasks 50000]
//                 [--step-tasks 5] [--out results/latest.json]
const fs = require('fs');
const os = require('os');
const path = require('path');
const autocannon = require('autocannon');

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
  const opts = { targets: [], duration: 10, warmup: 2, connections: 10, tasks: 50000, stepTasks: 5,
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

function percentile(sorted, q) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

const round = (x, d = 3) => (x == null ? null : Number(x.toFixed(d)));

// One autocannon run. Latencies are collected from the 'response' events at
// sub-millisecond resolution (autocannon's own histogram is whole ms only).
async function load(base, { requests, duration, amount, connections }) {
  let lat = new Float64Array(1 << 16);
  let n = 0;
  const t0 = process.hrtime.bigint();
  const instance = autocannon({
    url: base, connections, requests, timeout: 10,
    ...(amount ? { amount } : { duration }),
  });
  instance.on('response', (_client, status, _bytes, ms) => {
    if (status < 200 || status > 299) return;
    if (n === lat.length) { const grown = new Float64Array(lat.length * 2); grown.set(lat); lat = grown; }
    lat[n++] = ms;
  });
  const r = await instance;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const sorted = lat.subarray(0, n).sort();
  return {
    requests: r.requests.total,
    ok_2xx: r['2xx'],
    non_2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    status_codes: Object.fromEntries(Object.entries(r.statusCodeStats).map(([k, v]) => [k, v.count])),
    seconds: round(seconds),
    req_per_s: round(r['2xx'] / seconds, 1),
    p50_ms: round(percentile(sorted, 0.5)),
    p99_ms: round(percentile(sorted, 0.99)),
    mean_ms: round(n ? sorted.reduce((a, b) => a + b, 0) / n : null),
  };
}

const bad = (s) => s.non_2xx + s.errors + s.timeouts > 0;

async function measure(base, opts, label, requests) {
  if (opts.warmup > 0) {
    const w = await load(base, { requests, duration: opts.warmup, connections: opts.connections });
    if (bad(w)) console.log(`    warm-up for ${label}: ${w.non_2xx} non-2xx, ${w.errors} errors, ${w.timeouts} timeouts`);
  }
  const s = await load(base, { requests, duration: opts.duration, connections: opts.connections });
  const flag = bad(s) ? `   !!! ${s.non_2xx} non-2xx, ${s.errors} errors, ${s.timeouts} timeouts` : '';
  console.log(`    ${label.padEnd(24)} ${String(Math.round(s.req_per_s)).padStart(7)} req/s  p50 ${s.p50_ms} ms  p99 ${s.p99_ms} ms${flag}`);
  return s;
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
    bulk = await load(base, {
      requests: [{ method: 'POST', path: TASKS, headers: JSON_HEADERS, body: BODY }],
      amount: bulkAmount, connections: opts.connections,
    });
    console.log(`    bulk load: ${bulk.ok_2xx} tasks in ${bulk.seconds} s (${bulk.req_per_s} req/s)` +
      (bad(bulk) ? `   !!! ${bulk.non_2xx} non-2xx, ${bulk.errors} errors, ${bulk.timeouts} timeouts` : ''));
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
  workloads.get_first = await measure(base, opts, 'GET /tasks/{first}', [{ method: 'GET', path: `${TASKS}/${first}` }]);
  workloads.get_last = await measure(base, opts, 'GET /tasks/{last}', [{ method: 'GET', path: `${TASKS}/${last}` }]);
  workloads.step = await measure(base, opts, 'POST /tasks/{id}/steps',
    stepIds.map((id) => ({ method: 'POST', path: `${TASKS}/${id}/steps`, headers: JSON_HEADERS, body: BODY })));
  // Creating tasks last keeps the store at exactly opts.tasks for the GETs.
  workloads.create_task = await measure(base, opts, 'POST /tasks', [{ method: 'POST', path: TASKS, headers: JSON_HEADERS, body: BODY }]);

  const lastFirst = workloads.get_first.req_per_s ? round(workloads.get_last.req_per_s / workloads.get_first.req_per_s) : null;
  console.log(`    GET last/first req/s ratio: ${lastFirst}`);
  return { base, stored_tasks: stored, stored_tasks_exact: countExact, first_task_id: first, last_task_id: last,
    step_task_ids: stepIds, bulk_load: bulk, workloads, get_last_first_ratio: lastFirst };
}

const ms = (x) => (x == null ? 'n/a' : x.toFixed(2));

function cell(s) {
  if (!s) return ['-', '-', '-'];
  return [`${Math.round(s.req_per_s)}${bad(s) ? ' !!' : ''}`, ms(s.p50_ms), ms(s.p99_ms)];
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

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  console.log(`duration ${opts.duration} s, warm-up ${opts.warmup} s, ${opts.connections} connections, ` +
    `${opts.tasks} stored tasks, ${opts.stepTasks} step tasks`);
  const servers = {};
  for (const target of opts.targets) servers[target.name] = await benchServer(target, opts);

  const ratios = printTable(servers);
  const problems = [];
  for (const [name, s] of Object.entries(servers)) {
    for (const [key, w] of Object.entries({ bulk_load: s.bulk_load, ...s.workloads })) {
      if (w && bad(w)) problems.push(`${name} ${key}: ${w.non_2xx} non-2xx, ${w.errors} errors, ${w.timeouts} timeouts`);
    }
    if (s.stored_tasks !== opts.tasks) problems.push(`${name}: stored ${s.stored_tasks} tasks, expected ${opts.tasks}`);
  }

  const result = {
    date: new Date().toISOString(),
    settings: { duration_s: opts.duration, warmup_s: opts.warmup, connections: opts.connections,
      tasks: opts.tasks, step_tasks: opts.stepTasks },
    environment: { node: process.version, autocannon: require('autocannon/package.json').version,
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
