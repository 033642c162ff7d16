import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { readBody, sendJson, type HttpRoute, type RpcHandler } from '@hero/core';
import { isValidName } from './names.js';
import { PROXY_MARK_HEADER, browserRuleBroken, browserRuleError, type HostRule } from './origin.js';
import type { Registry } from './registry.js';

const CONSOLE_LIMIT = 4 * 1024 * 1024;

export interface DashboardOptions {
  /** Which Host values are answered through the TCP entry point (anything else: loopback only). */
  hostRule: HostRule;
  /** Secret the TCP entry point sends in PROXY_MARK_HEADER with the requests it proxies here. */
  proxyMark: string;
}

/** True when the request came through this router's TCP entry point. */
function isProxied(req: http.IncomingMessage, mark: Buffer): boolean {
  const got = req.headers[PROXY_MARK_HEADER];
  if (typeof got !== 'string' || got.length !== mark.length) return false;
  return timingSafeEqual(Buffer.from(got, 'latin1'), mark);
}

/** Headers that tell the service a console call was proxied, and for whom (as the TCP proxy sends them). */
function forwardedHeaders(req: http.IncomingMessage, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  const h = req.headers;
  // through the TCP entry the proxy set these (a client's own X-Hero-Context never gets this
  // far); a direct call on admin.sock comes from a local process and stays local
  const xff = h['x-forwarded-for'];
  if (typeof xff === 'string' && xff !== '') {
    out['x-forwarded-for'] = xff;
    out['x-forwarded-proto'] = typeof h['x-forwarded-proto'] === 'string' ? h['x-forwarded-proto'] : 'http';
    out['x-forwarded-prefix'] = prefix;
    if (typeof h['x-forwarded-host'] === 'string') out['x-forwarded-host'] = h['x-forwarded-host'];
  }
  const context = h['x-hero-context'];
  if (typeof context === 'string' && context !== '') out['x-hero-context'] = context;
  return out;
}

/**
 * API routes of the dashboard, relative to where it is mounted (admin.sock `/` or TCP `/admin/`):
 * `POST rpc` (the router's own API) and `POST console` (one JSON-RPC call to any socket). Every
 * request (the page too) must pass the browser rules of the TCP entry point first.
 */
export function dashboardRoutes(registry: Registry, rpc: () => RpcHandler, timeoutMs: number, opts: DashboardOptions): HttpRoute {
  const mark = Buffer.from(opts.proxyMark, 'latin1');
  return async (req, res) => {
    // through the entry point the Host passed its rule already; directly on admin.sock (an SSH
    // tunnel a page can rebind its name onto) only loopback names are answered
    const rule = isProxied(req, mark) ? opts.hostRule : 'loopback';
    const broken = browserRuleBroken(req.headers.host, req.headers.origin, rule);
    if (broken) {
      const { status, body } = browserRuleError(broken, req.headers.host);
      res.setHeader('connection', 'close');
      sendJson(res, status, body);
      return true;
    }
    if (req.method !== 'POST') return false;
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/rpc') {
      const body = await readBody(req, res, CONSOLE_LIMIT);
      if (body === undefined) return true;
      let msg: unknown;
      try {
        msg = JSON.parse(body.toString('utf8'));
      } catch {
        sendJson(res, 200, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
        return true;
      }
      const out = await rpc().dispatch(msg, { headers: req.headers, transport: 'internal' });
      if (out === undefined) res.writeHead(204).end();
      else sendJson(res, 200, out);
      return true;
    }
    if (path === '/console') {
      const body = await readBody(req, res, CONSOLE_LIMIT);
      if (body === undefined) return true;
      let call: { service?: unknown; socket?: unknown; method?: unknown; params?: unknown };
      try {
        call = JSON.parse(body.toString('utf8')) as typeof call;
      } catch {
        sendJson(res, 400, { error: 'bad_request', message: 'body is not JSON' });
        return true;
      }
      const { service, socket = 'rpc', method, params } = call;
      if (typeof service !== 'string' || typeof socket !== 'string' || !isValidName(service) || !isValidName(socket)) {
        sendJson(res, 400, { error: 'bad_request', message: 'service and socket must match [A-Za-z0-9_.-]+' });
        return true;
      }
      if (typeof method !== 'string' || method === '') {
        sendJson(res, 400, { error: 'bad_request', message: 'method is required' });
        return true;
      }
      const entry = registry.get(service, socket) ?? (await registry.lookupOnDisk(service, socket));
      if (!entry) {
        sendJson(res, 404, { error: 'not_found', message: `no socket ${service}/${socket}` });
        return true;
      }
      const payload = JSON.stringify({ jsonrpc: '2.0', id: 1, method, ...(params === undefined ? {} : { params }) });
      const reply = await new Promise<{ status: number; text: string } | Error>((resolve) => {
        const up = http.request(
          {
            socketPath: entry.path,
            agent: false,
            method: 'POST',
            path: '/rpc',
            timeout: timeoutMs || undefined,
            headers: {
              ...forwardedHeaders(req, entry.prefix),
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(payload),
            },
          },
          (ures) => {
            const chunks: Buffer[] = [];
            ures.on('data', (c: Buffer) => chunks.push(c));
            ures.on('end', () => resolve({ status: ures.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
            ures.on('error', resolve);
          },
        );
        up.on('timeout', () => up.destroy(new Error(`no reply within ${timeoutMs} ms`)));
        up.on('error', resolve);
        up.end(payload);
      });
      if (reply instanceof Error) {
        sendJson(res, 502, { error: 'bad_gateway', message: `${service}/${socket}: ${reply.message}` });
        return true;
      }
      let parsed: unknown = reply.text;
      try {
        parsed = JSON.parse(reply.text);
      } catch {
        /* shown as text */
      }
      sendJson(res, 200, { status: reply.status, reply: parsed });
      return true;
    }
    return false;
  };
}

/** The dashboard page; every URL in it is relative so it works at `/` and at `/admin/`. */
export function dashboardHtml(version: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>hero_router</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px system-ui,sans-serif;margin:0;color:#1d232a;background:#f6f7f9}
header{background:#1d232a;color:#fff;padding:10px 20px;display:flex;gap:16px;align-items:center}
header h1{font-size:17px;margin:0}header span{opacity:.7}
main{padding:16px 20px;display:grid;gap:16px;grid-template-columns:minmax(0,3fr) minmax(0,2fr)}
section{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:12px}
h2{font-size:15px;margin:0 0 8px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 6px;border-bottom:1px solid #eef0f2;vertical-align:top}
tr.sock{cursor:pointer}tr.sock:hover{background:#f0f4ff}tr.sel{background:#e3ebff}
.st{padding:1px 6px;border-radius:9px;font-size:12px;color:#fff}
.healthy{background:#2e8540}.unhealthy{background:#c7711a}.inactive{background:#8a8f98}.non_rpc{background:#5b6b8c}.unknown{background:#aab}
button{padding:4px 10px}select,input,textarea{font:13px ui-monospace,monospace;width:100%;box-sizing:border-box;margin:2px 0 8px}
pre{background:#f3f4f6;padding:8px;overflow:auto;max-height:360px;margin:0}
.muted{color:#6b7280}.err{color:#b42318}
</style></head><body>
<header><h1>hero_router</h1><span>v${version}</span><span id="health" class="muted"></span><button id="scan" style="margin-left:auto">Scan now</button></header>
<main>
<section><h2>Services</h2>
<table id="services"><thead><tr><th>service</th><th>socket</th><th>status</th><th>protocol</th><th>version</th><th>methods</th><th>url</th></tr></thead><tbody></tbody></table>
<p id="error" class="err"></p></section>
<section><h2>Methods <span id="selname" class="muted"></span></h2><div id="methods" class="muted">Select a socket.</div>
<h2 style="margin-top:16px">Console</h2>
<label>service / socket<select id="target"></select></label>
<label>method<input id="method" list="methodlist" placeholder="router.health"><datalist id="methodlist"></datalist></label>
<label>params (JSON object or array)<textarea id="params" rows="4">{}</textarea></label>
<button id="call">Call</button>
<pre id="out" style="margin-top:8px"></pre></section>
</main>
<script>
const $ = (id) => document.getElementById(id);
let services = [], selected = null;
async function rpc(method, params) {
  const r = await fetch('rpc', {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({jsonrpc: '2.0', id: 1, method, params: params || {}})});
  const j = await r.json();
  if (j.error) throw new Error(j.error.message);
  return j.result;
}
function esc(s) { return String(s == null ? '' : s).replace(/[&<>"]/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'})[c]); }
function render() {
  const rows = [];
  const opts = [];
  for (const s of services) for (const k of s.sockets) {
    const id = s.name + '/' + k.name;
    rows.push('<tr class="sock' + (id === selected ? ' sel' : '') + '" data-id="' + esc(id) + '"><td>' + esc(s.name) + '</td><td>' + esc(k.name) + '</td><td><span class="st ' + esc(k.status) + '">' + esc(k.status) + '</span></td><td>' + esc(k.protocol || '-') + '</td><td>' + esc(k.version || '-') + '</td><td>' + k.method_count + '</td><td><code>' + esc(k.url) + '</code></td></tr>');
    if (k.protocol === 'openrpc') opts.push('<option' + (id === selected ? ' selected' : '') + '>' + esc(id) + '</option>');
  }
  $('services').tBodies[0].innerHTML = rows.join('') || '<tr><td colspan="7" class="muted">No sockets found.</td></tr>';
  const keep = $('target').value;
  $('target').innerHTML = opts.join('');
  if (keep && !selected) $('target').value = keep;
}
async function refresh() {
  try {
    services = await rpc('router.services');
    const h = await rpc('router.health');
    $('health').textContent = h.sockets + ' sockets, ' + (h.by_status.healthy || 0) + ' healthy' + (h.listen ? ' · ' + h.listen : '');
    $('error').textContent = '';
    render();
  } catch (e) { $('error').textContent = String(e.message || e); }
}
async function select(id) {
  selected = id;
  render();
  const [svc, sock] = id.split('/');
  $('selname').textContent = id;
  try {
    const s = await rpc('router.service', {name: svc});
    const k = s.sockets.find((x) => x.name === sock);
    const ms = (k && k.methods) || [];
    $('methods').innerHTML = ms.length ? '<table><tbody>' + ms.map((m) => '<tr><td><code>' + esc(m.name) + '</code></td><td>' + esc(m.summary) + '</td><td class="muted">' + esc(m.params.map((p) => p.name + (p.required ? '' : '?')).join(', ')) + '</td></tr>').join('') + '</tbody></table>' : '<span class="muted">' + esc(k && k.error ? k.error : 'No methods.') + '</span>';
    $('methodlist').innerHTML = ms.map((m) => '<option value="' + esc(m.name) + '">').join('');
  } catch (e) { $('methods').textContent = String(e.message || e); }
}
$('services').addEventListener('click', (ev) => { const tr = ev.target.closest('tr.sock'); if (tr) select(tr.dataset.id); });
$('target').addEventListener('change', () => select($('target').value));
$('scan').addEventListener('click', async () => { try { await rpc('router.scan'); } catch (e) {} refresh(); });
$('call').addEventListener('click', async () => {
  const [service, socket] = ($('target').value || '').split('/');
  let params;
  try { params = JSON.parse($('params').value || '{}'); } catch (e) { $('out').textContent = 'params: ' + e.message; return; }
  $('out').textContent = '…';
  try {
    const r = await fetch('console', {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({service, socket, method: $('method').value, params})});
    const j = await r.json();
    $('out').textContent = JSON.stringify(j.reply !== undefined ? j.reply : j, null, 2);
  } catch (e) { $('out').textContent = String(e); }
});
refresh();
setInterval(refresh, 5000);
</script></body></html>`;
}
