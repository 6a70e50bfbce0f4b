// The webhook receiver of the gateway benchmark, on 127.0.0.1 only. Two endpoints:
//   POST /plain    answers 200 {"status":"received"} at once (the cheapest possible receiver);
//   POST /durable  appends the body to a log file and fdatasyncs it before answering 200 (a receiver that
//                  records each message durably before acknowledging it, as an idempotent receiver must).
// GET /stats returns {"plain": {"count", "last"}, "durable": {"count", "last"}} (last = the last body received).
// Usage: node receiver.js PORT LOGFILE
'use strict';
const fs = require('fs');
const http = require('http');

const port = Number(process.argv[2]);
const logFile = process.argv[3];
if (!Number.isInteger(port) || port <= 0 || !logFile) {
  console.error('usage: node receiver.js PORT LOGFILE');
  process.exit(2);
}

const fd = fs.openSync(logFile, 'a');
const stats = { plain: { count: 0, last: null }, durable: { count: 0, last: null } };

function ok(res) {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{"status":"received"}');
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(stats));
    return;
  }
  const kind = req.url === '/durable' ? 'durable' : req.url === '/plain' ? 'plain' : null;
  if (req.method !== 'POST' || kind === null) {
    res.writeHead(404);
    res.end();
    return;
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    stats[kind].count++;
    stats[kind].last = body.toString('utf8');
    if (kind === 'plain') {
      ok(res);
      return;
    }
    fs.write(fd, Buffer.concat([body, Buffer.from('\n')]), (err) => {
      if (err) { res.writeHead(500); res.end(); return; }
      fs.fdatasync(fd, (syncErr) => {
        if (syncErr) { res.writeHead(500); res.end(); return; }
        ok(res);
      });
    });
  });
});
server.keepAliveTimeout = 30000;
server.listen(port, '127.0.0.1', () => console.log(`receiver listening on 127.0.0.1:${port}`));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
