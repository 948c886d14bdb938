/**
 * A real pull worker as a plain Node script (runnable without a build): it registers at
 * SCHEDULEZERO_SERVER as SCHEDULEZERO_HANDLER, long-polls, answers `echo` jobs, and on SIGTERM
 * aborts its poll, leaves and exits 0, as a well-behaved supervised worker does.
 */
export const PULL_WORKER = `
const server = process.env.SCHEDULEZERO_SERVER;
const handler = process.env.SCHEDULEZERO_HANDLER;
const stop = new AbortController();
process.on('SIGTERM', () => { console.log('SIGTERM: leaving'); stop.abort(); });

async function post(path, body, signal) {
  const res = await fetch(server + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const reg = await post('/api/v1/workers', { handler, methods: ['echo'], name: 'governed-' + process.pid });
if (reg.status !== 201) {
  console.error('register refused: ' + reg.status + ' ' + JSON.stringify(reg.body));
  process.exit(1);
}
const id = reg.body.worker_id;
console.log('registered as ' + id + ' at ' + server);
while (!stop.signal.aborted) {
  let polled;
  try {
    polled = await post('/api/v1/workers/' + id + '/poll', { max_jobs: 1, wait_seconds: 1 }, stop.signal);
  } catch (err) {
    if (stop.signal.aborted) break;
    throw err;
  }
  for (const job of polled.body.jobs) {
    await post('/api/v1/runs/' + job.run_id + '/complete', {
      worker_id: id, attempt: job.attempt, status: 'succeeded', result: { echo: job.params, pid: process.pid, server },
    });
  }
}
await fetch(server + '/api/v1/workers/' + id, { method: 'DELETE' });
console.log('left');
`;
