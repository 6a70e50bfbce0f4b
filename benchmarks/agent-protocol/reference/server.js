'use strict';
// Reference Agent Protocol server: the `agent-protocol` npm package (1.0.5)
// with an echo agent. Every step echoes its input and is the last step.
// Usage: node server.js <port> [workspace-dir]   (binds 127.0.0.1 only)
const path = require('path');
const Agent = require('agent-protocol').default;

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node server.js <port> [workspace-dir]');
  process.exit(2);
}
const workspace = path.resolve(process.argv[3] || 'workspace');

async function taskHandler(_taskId, _taskInput) {
  return async (stepInput) => ({ output: stepInput, is_last: true });
}

const app = Agent.handleTask(taskHandler, { port, workspace }).build();
app.listen(port, '127.0.0.1', () => {
  console.log(`reference agent-protocol@1.0.5 listening on http://127.0.0.1:${port}`);
});
