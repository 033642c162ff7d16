/** The admin.sock dashboard: one self-contained page, no framework. */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>hero_proc</title>
<style>
  :root { --bg:#0f1216; --panel:#171b21; --fg:#dfe3ea; --dim:#8a93a3; --ok:#3fb950; --warn:#d29922; --bad:#f85149; --acc:#58a6ff; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.4 system-ui, sans-serif; background:var(--bg); color:var(--fg); }
  header { padding:10px 16px; background:var(--panel); display:flex; gap:16px; align-items:baseline; }
  header h1 { font-size:16px; margin:0; }
  header .meta { color:var(--dim); font-size:12px; }
  main { display:grid; grid-template-columns: 1fr; gap:12px; padding:12px 16px; }
  section { background:var(--panel); border-radius:6px; padding:8px 12px; }
  h2 { font-size:13px; text-transform:uppercase; letter-spacing:.05em; color:var(--dim); margin:4px 0 8px; }
  table { width:100%; border-collapse:collapse; font-variant-numeric: tabular-nums; }
  th, td { text-align:left; padding:4px 8px; border-bottom:1px solid #262c35; white-space:nowrap; }
  th { color:var(--dim); font-weight:500; font-size:12px; }
  td.err { color:var(--dim); white-space:normal; font-size:12px; }
  .st { font-weight:600; }
  .st-running, .st-succeeded { color:var(--ok); }
  .st-starting, .st-stopping, .st-backoff, .st-blocked, .st-pending { color:var(--warn); }
  .st-failed, .st-timeout { color:var(--bad); }
  .st-inactive, .st-exited, .st-cancelled { color:var(--dim); }
  button { background:#222833; color:var(--fg); border:1px solid #333b47; border-radius:4px; padding:2px 8px; cursor:pointer; font-size:12px; }
  button:hover { border-color:var(--acc); }
  #logs { height:280px; overflow:auto; background:#0b0e12; border-radius:4px; padding:6px 8px; font:12px/1.35 ui-monospace, monospace; white-space:pre-wrap; }
  #logs .stderr { color:#f0a8a3; }
  #logs .ts { color:var(--dim); }
  #logsrc { color:var(--acc); }
</style>
</head>
<body>
<header><h1>hero_proc</h1><span class="meta" id="meta"></span></header>
<main>
  <section>
    <h2>Services</h2>
    <table id="services"><thead><tr>
      <th>name</th><th>state</th><th>pid</th><th>cpu %</th><th>mem</th><th>restarts</th><th>uptime</th><th></th><th>info</th>
    </tr></thead><tbody></tbody></table>
  </section>
  <section>
    <h2>Logs <span id="logsrc">(all)</span> <button id="logs-all">all</button></h2>
    <div id="logs"></div>
  </section>
  <section>
    <h2>Jobs</h2>
    <table id="jobs"><thead><tr>
      <th>id</th><th>name</th><th>state</th><th>exit</th><th>attempts</th><th>created</th><th></th>
    </tr></thead><tbody></tbody></table>
  </section>
  <section>
    <h2>Schedules</h2>
    <table id="schedules"><thead><tr><th>name</th><th>cron</th><th>next run</th><th>last job</th></tr></thead><tbody></tbody></table>
  </section>
</main>
<script>
const $ = (s) => document.querySelector(s);
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&':'&amp;', '<':'&lt;', '>':'&gt;', '"':'&quot;', "'":'&#39;' }[c]));
const mem = (b) => !b ? '-' : b > 1 << 30 ? (b / (1 << 30)).toFixed(1) + ' GiB' : b > 1 << 20 ? (b / (1 << 20)).toFixed(1) + ' MiB' : (b / 1024).toFixed(0) + ' KiB';
const dur = (ms) => { if (!ms) return '-'; const s = Math.floor(ms / 1000); if (s < 60) return s + 's'; const m = Math.floor(s / 60); if (m < 60) return m + 'm' + (s % 60) + 's'; const h = Math.floor(m / 60); return h < 48 ? h + 'h' + (m % 60) + 'm' : Math.floor(h / 24) + 'd'; };
let rpcId = 0;
async function rpc(method, params) {
  const r = await fetch('rpc', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: ++rpcId, method, params }) });
  const j = await r.json();
  if (j.error) throw new Error(j.error.message);
  return j.result;
}
async function act(method, name) {
  try { await rpc(method, { name }); } catch (e) { alert(e.message); }
  refresh();
}
async function cancelJob(id) {
  try { await rpc('job.cancel', { id }); } catch (e) { alert(e.message); }
  refresh();
}
function render(o) {
  $('#meta').textContent = 'v' + o.info.version + ' · pid ' + o.info.pid + ' · ' + o.services.length + ' services · ' + o.info.jobs_running + ' jobs running';
  $('#services tbody').innerHTML = o.services.map((s) => {
    const st = s.stats || {};
    return '<tr data-name="' + esc(s.name) + '">' +
      '<td>' + esc(s.name) + '</td>' +
      '<td class="st st-' + esc(s.state) + '">' + esc(s.state) + (s.health !== 'none' ? ' <small>(' + esc(s.health) + ')</small>' : '') + '</td>' +
      '<td>' + (s.pid ?? '-') + '</td>' +
      '<td>' + (s.pid ? (st.cpu_percent ?? 0).toFixed(1) : '-') + '</td>' +
      '<td>' + mem(st.rss_bytes) + '</td>' +
      '<td>' + s.restarts + '</td>' +
      '<td>' + dur(st.uptime_ms) + '</td>' +
      '<td><button data-act="service.start">start</button> <button data-act="service.stop">stop</button> ' +
      '<button data-act="service.restart">restart</button> <button data-act="logs">logs</button></td>' +
      '<td class="err">' + esc(s.error ?? '') + '</td></tr>';
  }).join('');
  $('#jobs tbody').innerHTML = o.jobs.map((j) => '<tr data-id="' + esc(j.id) + '">' +
    '<td>' + esc(j.id) + '</td><td>' + esc(j.name) + '</td>' +
    '<td class="st st-' + esc(j.state) + '">' + esc(j.state) + '</td>' +
    '<td>' + (j.exit_code ?? '-') + '</td><td>' + j.attempts + '</td><td>' + esc(j.created_at) + '</td>' +
    '<td><button data-act="joblogs">logs</button>' + (j.state === 'running' || j.state === 'pending' ? ' <button data-act="cancel">cancel</button>' : '') + '</td></tr>').join('');
  $('#schedules tbody').innerHTML = o.schedules.map((s) => '<tr><td>' + esc(s.name) + '</td><td>' + esc(s.cron) + '</td><td>' + esc(s.next_run ?? '-') + '</td><td>' + esc(s.last_job ?? '-') + '</td></tr>').join('');
}
let busy = false;
async function refresh() {
  if (busy) return;
  busy = true;
  try { const r = await fetch('api/overview'); render(await r.json()); } catch {} finally { busy = false; }
}
let es;
function addLine(l) {
  const div = document.createElement('div');
  div.className = l.stream;
  div.innerHTML = '<span class="ts">' + esc(l.ts.slice(11, 23)) + ' ' + esc(l.source ?? '') + '</span> ' + esc(l.line);
  const box = $('#logs');
  const atEnd = box.scrollTop + box.clientHeight >= box.scrollHeight - 4;
  box.appendChild(div);
  while (box.childNodes.length > 2000) box.removeChild(box.firstChild);
  if (atEnd) box.scrollTop = box.scrollHeight;
}
async function follow(source) {
  es?.close();
  $('#logs').innerHTML = '';
  $('#logsrc').textContent = source ? '(' + source + ')' : '(all)';
  let backlog = 200;
  if (source && source.startsWith('job:')) {
    // a finished job's output lives in its log file, not in the live stream
    try { (await rpc('job.logs', { id: source.slice(4) })).lines.forEach((l) => addLine({ ...l, source })); } catch (e) { addLine({ ts: '', stream: 'stderr', line: e.message }); }
    backlog = 0;
  }
  es = new EventSource('api/logs/stream?lines=' + backlog + (source ? '&source=' + encodeURIComponent(source) : ''));
  es.onmessage = (ev) => addLine(JSON.parse(ev.data));
}
document.addEventListener('click', (ev) => {
  const b = ev.target.closest('button');
  if (!b) return;
  if (b.id === 'logs-all') return follow();
  const row = b.closest('tr');
  const a = b.dataset.act;
  if (a === 'logs') return follow('svc:' + row.dataset.name);
  if (a === 'joblogs') return follow('job:' + row.dataset.id);
  if (a === 'cancel') return cancelJob(row.dataset.id);
  if (a) act(a, row.dataset.name);
});
refresh();
setInterval(refresh, 2000);
follow();
</script>
</body>
</html>
`;
