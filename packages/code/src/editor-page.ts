/** The editor web UI served on editor.sock: one page, no framework, talking JSON-RPC to /rpc. */
export function editorPage(): string {
  return PAGE;
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Hero code</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  :root { --bg:#101418; --panel:#161c22; --line:#26303a; --fg:#d8dee6; --dim:#8a96a3; --acc:#4aa3ff; --ok:#3fb950; --bad:#f85149; }
  * { box-sizing: border-box; }
  body { margin:0; font:13px/1.4 system-ui, sans-serif; background:var(--bg); color:var(--fg); height:100vh; display:flex; flex-direction:column; }
  header { padding:6px 12px; border-bottom:1px solid var(--line); display:flex; gap:12px; align-items:center; }
  header b { color:var(--acc); }
  main { flex:1; display:grid; grid-template-columns: 260px 1fr 380px; min-height:0; }
  section { border-right:1px solid var(--line); overflow:auto; min-height:0; }
  #tree { padding:6px 0; font-family: ui-monospace, monospace; font-size:12px; }
  .tree-item { padding:1px 8px; cursor:pointer; white-space:nowrap; }
  .tree-item:hover { background:var(--panel); }
  .tree-item.dir::before { content:'▸ '; color:var(--dim); }
  .tree-item.dir.open::before { content:'▾ '; }
  .tree-item.file::before { content:'  '; }
  .tree-item.link::after { content:' →'; color:var(--dim); }
  hr { border:0; border-top:1px solid var(--line); margin:12px 0; }
  .tree-item.active { background:#1f2a36; color:var(--acc); }
  #center { display:flex; flex-direction:column; }
  .bar { display:flex; gap:6px; align-items:center; padding:6px 8px; border-bottom:1px solid var(--line); }
  #filepath { font-family: ui-monospace, monospace; flex:1; overflow:hidden; text-overflow:ellipsis; }
  #editor { flex:1; width:100%; resize:none; border:0; outline:0; padding:8px; background:var(--bg); color:var(--fg); font:12px/1.5 ui-monospace, monospace; tab-size:2; }
  #status { padding:4px 8px; border-top:1px solid var(--line); color:var(--dim); min-height:24px; }
  #status.err { color:var(--bad); }
  button { background:var(--panel); color:var(--fg); border:1px solid var(--line); border-radius:4px; padding:3px 10px; cursor:pointer; }
  button:hover { border-color:var(--acc); }
  button:disabled { opacity:.5; cursor:default; }
  input, textarea, select { background:var(--bg); color:var(--fg); border:1px solid var(--line); border-radius:4px; padding:4px; font:12px ui-monospace, monospace; width:100%; }
  .tabs { display:flex; border-bottom:1px solid var(--line); }
  .tabs button { border:0; border-radius:0; flex:1; padding:6px; }
  .tabs button.on { background:var(--panel); color:var(--acc); }
  .pane { padding:8px; display:none; }
  .pane.on { display:block; }
  .pane label { display:block; color:var(--dim); margin:6px 0 2px; }
  .list > div { padding:3px 6px; border:1px solid var(--line); border-radius:4px; margin:3px 0; cursor:pointer; }
  .list > div.sel { border-color:var(--acc); }
  pre { white-space:pre-wrap; word-break:break-word; background:var(--bg); border:1px solid var(--line); border-radius:4px; padding:6px; max-height:300px; overflow:auto; font-size:11px; }
  .entry { border:1px solid var(--line); border-radius:4px; padding:6px; margin:6px 0; }
  .state-succeeded { color:var(--ok); } .state-failed, .state-timeout, .state-error, .state-cancelled { color:var(--bad); }
  .dim { color:var(--dim); }
  .row { display:flex; gap:6px; margin-top:6px; }
</style>
</head>
<body>
<header><b>Hero code</b><span id="root" class="dim"></span></header>
<main>
  <section id="tree"></section>
  <section id="center">
    <div class="bar"><span id="filepath" class="dim">no file open</span>
      <button id="new-file" title="Create a file">New file</button>
      <button id="add-to-ctx" disabled title="Add this file to the context form">+ context</button>
      <button id="save" disabled>Save</button></div>
    <textarea id="editor" spellcheck="false" disabled></textarea>
    <div id="status"></div>
  </section>
  <section>
    <div class="tabs"><button data-tab="contexts" class="on">Contexts</button><button data-tab="sessions">Sessions</button><button data-tab="search">Search</button></div>
    <div class="pane on" id="pane-contexts">
      <div id="ctx-list" class="list"></div>
      <label for="ctx-name">Name</label><input id="ctx-name" placeholder="my-context">
      <label for="ctx-paths">Paths (one per line, files or directories)</label><textarea id="ctx-paths" rows="5"></textarea>
      <label for="ctx-ext">Extensions (comma separated, for directories)</label><input id="ctx-ext" placeholder="ts, md">
      <div class="row"><button id="ctx-save">Save</button><button id="ctx-render">Render</button><button id="ctx-delete">Delete</button></div>
      <div id="ctx-info" class="dim"></div>
      <pre id="ctx-preview" hidden></pre>
    </div>
    <div class="pane" id="pane-sessions">
      <div id="ses-list" class="list"></div>
      <div id="ses-detail" hidden>
        <h4 id="ses-title"></h4>
        <div id="history"></div>
        <label for="prompt">Prompt</label><textarea id="prompt" rows="4"></textarea>
        <div class="row"><button id="send">Send</button></div>
        <hr>
      </div>
      <label for="ses-name">New session</label><input id="ses-name" placeholder="name">
      <label for="ses-repo">Repository (working directory)</label><input id="ses-repo" placeholder="repo path, empty = root">
      <label for="ses-contexts">Contexts (comma separated)</label><input id="ses-contexts">
      <div class="row"><button id="ses-create">Create</button></div>
    </div>
    <div class="pane" id="pane-search">
      <div class="row"><input id="q" placeholder="search text"><button id="search">Find</button></div>
      <div id="results" class="list"></div>
    </div>
  </section>
</main>
<script>
(() => {
  const $ = (id) => document.getElementById(id);
  let nextId = 1;
  async function rpc(method, params) {
    const res = await fetch('/rpc', { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params: params || {} }) });
    const body = await res.json();
    if (body.error) throw new Error(body.error.message);
    return body.result;
  }
  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v; else if (k.startsWith('data-')) e.setAttribute(k, v); else e[k] = v;
    }
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function status(msg, err) { const s = $('status'); s.textContent = msg; s.className = err ? 'err' : ''; }
  const fail = (e) => status(e.message || String(e), true);

  // ---- tree -------------------------------------------------------------------------
  async function loadDir(path, container, level) {
    const r = await rpc('repo.tree', { path, depth: 1 });
    for (const e of r.entries) {
      const item = el('div', { class: 'tree-item ' + (e.type === 'dir' ? 'dir' : 'file') + (e.type === 'symlink' ? ' link' : ''), 'data-path': e.path, title: e.path }, e.name);
      item.style.paddingLeft = (8 + level * 14) + 'px';
      container.appendChild(item);
      if (e.type === 'dir') {
        const kids = el('div');
        kids.hidden = true;
        container.appendChild(kids);
        let loaded = false;
        item.onclick = async () => {
          if (!loaded) { loaded = true; try { await loadDir(e.path, kids, level + 1); } catch (err) { fail(err); } }
          kids.hidden = !kids.hidden;
          item.classList.toggle('open', !kids.hidden);
        };
      } else {
        item.onclick = () => openFile(e.path).catch(fail);
      }
    }
  }

  async function reloadTree(reveal) {
    const open = [...document.querySelectorAll('.tree-item.dir.open')].map((n) => n.getAttribute('data-path'));
    const parts = (reveal || '').split('/').slice(0, -1);
    parts.forEach((_, i) => open.push(parts.slice(0, i + 1).join('/')));
    open.sort((a, b) => a.length - b.length);
    $('tree').replaceChildren();
    await loadDir('', $('tree'), 0);
    for (const p of open) {
      const n = [...document.querySelectorAll('.tree-item.dir')].find((x) => x.getAttribute('data-path') === p);
      if (n && !n.classList.contains('open')) await n.onclick();
    }
  }

  // ---- editor -----------------------------------------------------------------------
  let current = null; // { path, sha256 }
  let dirty = false;
  async function openFile(path, line) {
    if (dirty && !confirm('Discard unsaved changes to ' + current.path + '?')) return;
    const f = await rpc('file.read', { path });
    if (f.encoding !== 'utf8') { status(path + ' is binary; not opened', true); return; }
    current = { path: f.path, sha256: f.sha256 };
    $('editor').value = f.content;
    $('editor').disabled = false;
    $('filepath').textContent = f.path;
    $('filepath').className = '';
    $('save').disabled = false;
    $('add-to-ctx').disabled = false;
    dirty = false;
    document.querySelectorAll('.tree-item.active').forEach((n) => n.classList.remove('active'));
    document.querySelectorAll('.tree-item').forEach((n) => { if (n.getAttribute('data-path') === f.path) n.classList.add('active'); });
    status('opened ' + f.path + ' (' + f.size + ' bytes)');
    if (line) goToLine(line);
  }
  function goToLine(line) {
    const ed = $('editor');
    const lines = ed.value.split('\\n');
    let start = 0;
    for (let i = 0; i < line - 1 && i < lines.length; i++) start += lines[i].length + 1;
    const end = start + (lines[line - 1] || '').length;
    ed.focus();
    ed.setSelectionRange(start, end);
    ed.scrollTop = Math.max(0, (line - 5) * parseFloat(getComputedStyle(ed).lineHeight || '18'));
  }
  async function save() {
    if (!current) return;
    const w = await rpc('file.write', { path: current.path, content: $('editor').value, if_match: current.sha256 });
    current.sha256 = w.sha256;
    dirty = false;
    $('filepath').textContent = current.path;
    status('saved ' + w.path + ' (' + w.size + ' bytes)');
  }
  $('editor').addEventListener('input', () => { if (!dirty && current) { dirty = true; $('filepath').textContent = current.path + ' •'; } });
  $('editor').addEventListener('keydown', (ev) => {
    if ((ev.ctrlKey || ev.metaKey) && ev.key === 's') { ev.preventDefault(); save().catch(fail); }
    if (ev.key === 'Tab') { ev.preventDefault(); document.execCommand('insertText', false, '  '); }
  });
  $('save').onclick = () => save().catch(fail);
  $('new-file').onclick = async () => {
    const p = prompt('New file path (relative to the code root)', current ? current.path.replace(/[^/]*$/, '') : '');
    if (!p) return;
    try {
      await rpc('file.write', { path: p, content: '', if_match: '' });
      await reloadTree(p);
      await openFile(p);
    } catch (e) { fail(e); }
  };
  $('add-to-ctx').onclick = () => {
    if (!current) return;
    const lines = $('ctx-paths').value.split('\\n').map((s) => s.trim()).filter(Boolean);
    if (!lines.includes(current.path)) lines.push(current.path);
    $('ctx-paths').value = lines.join('\\n');
    showTab('contexts');
  };

  // ---- tabs -------------------------------------------------------------------------
  function showTab(name) {
    document.querySelectorAll('.tabs button').forEach((b) => b.classList.toggle('on', b.getAttribute('data-tab') === name));
    document.querySelectorAll('.pane').forEach((p) => p.classList.toggle('on', p.id === 'pane-' + name));
  }
  document.querySelectorAll('.tabs button').forEach((b) => { b.onclick = () => showTab(b.getAttribute('data-tab')); });

  // ---- contexts ---------------------------------------------------------------------
  async function loadContexts() {
    const r = await rpc('context.list');
    const list = $('ctx-list');
    list.replaceChildren();
    for (const c of r.contexts) {
      const d = el('div', { 'data-name': c.name }, c.name + ' — ' + c.paths.length + ' path(s)');
      d.onclick = () => {
        $('ctx-name').value = c.name;
        $('ctx-paths').value = c.paths.join('\\n');
        $('ctx-ext').value = c.extensions.join(', ');
        list.querySelectorAll('.sel').forEach((n) => n.classList.remove('sel'));
        d.classList.add('sel');
      };
      list.appendChild(d);
    }
  }
  const splitList = (s, sep) => s.split(sep).map((x) => x.trim()).filter(Boolean);
  $('ctx-save').onclick = async () => {
    try {
      const c = await rpc('context.set', { name: $('ctx-name').value.trim(), paths: splitList($('ctx-paths').value, '\\n'), extensions: splitList($('ctx-ext').value, ',') });
      $('ctx-info').textContent = 'saved context ' + c.name;
      await loadContexts();
    } catch (e) { $('ctx-info').textContent = e.message; }
  };
  $('ctx-render').onclick = async () => {
    try {
      const r = await rpc('context.render', { name: $('ctx-name').value.trim() });
      $('ctx-info').textContent = r.files.length + ' file(s), ' + r.total_bytes + ' bytes, ~' + r.token_estimate + ' tokens' +
        (r.skipped.length ? '; skipped: ' + r.skipped.map((s) => s.path + ' (' + s.reason + ')').join(', ') : '');
      $('ctx-preview').textContent = r.text;
      $('ctx-preview').hidden = false;
    } catch (e) { $('ctx-info').textContent = e.message; }
  };
  $('ctx-delete').onclick = async () => {
    try { await rpc('context.delete', { name: $('ctx-name').value.trim() }); $('ctx-info').textContent = 'deleted'; await loadContexts(); }
    catch (e) { $('ctx-info').textContent = e.message; }
  };

  // ---- sessions ---------------------------------------------------------------------
  let session = null;
  let poll = null;
  // the prompt the status line reports on, until it ends
  let watching = null;
  async function loadSessions() {
    const r = await rpc('session.list');
    const list = $('ses-list');
    list.replaceChildren();
    for (const s of r.sessions) {
      const d = el('div', { 'data-id': s.id, class: session === s.id ? 'sel' : '' }, s.name + ' — ' + s.prompts + ' prompt(s)' + (s.last_state ? ', ' + s.last_state : ''));
      d.onclick = () => openSession(s.id).catch(fail);
      list.appendChild(d);
    }
  }
  const TERMINAL = ['succeeded', 'failed', 'timeout', 'cancelled', 'error'];
  async function openSession(id) {
    session = id;
    const s = await rpc('session.get', { session: id });
    $('ses-detail').hidden = false;
    $('ses-title').textContent = s.name + ' (' + s.id + ') in ' + (s.repo || '.') + (s.contexts.length ? ' with ' + s.contexts.join(', ') : '');
    const h = $('history');
    h.replaceChildren();
    for (const e of s.history) {
      const box = el('div', { class: 'entry', 'data-seq': String(e.seq), 'data-state': e.state });
      box.appendChild(el('div', {}, '#' + e.seq + ' ' + e.prompt));
      box.appendChild(el('div', { class: 'dim state-' + e.state }, 'job ' + (e.job_id || '-') + ' · ' + e.state + (e.exit_code !== null ? ' · exit ' + e.exit_code : '')));
      if (e.output) box.appendChild(el('pre', { class: 'output' }, e.output));
      if (e.stderr) box.appendChild(el('pre', { class: 'stderr' }, e.stderr));
      if (e.error) box.appendChild(el('div', { class: 'state-error' }, e.error));
      if (!TERMINAL.includes(e.state)) {
        const stop = el('button', { class: 'cancel' }, 'Cancel');
        stop.onclick = () => rpc('session.cancel', { session: id, seq: e.seq }).then(() => openSession(id)).catch(fail);
        box.appendChild(stop);
      }
      h.appendChild(box);
    }
    const w = watching && watching.session === id ? s.history.find((e) => e.seq === watching.seq) : undefined;
    if (w && TERMINAL.includes(w.state)) {
      watching = null;
      status('prompt #' + w.seq + ' ' + w.state + (w.exit_code !== null ? ' (exit ' + w.exit_code + ')' : ''), w.state !== 'succeeded');
    }
    await loadSessions();
    clearTimeout(poll);
    if (s.history.some((e) => !TERMINAL.includes(e.state))) poll = setTimeout(() => { if (session === id) openSession(id).catch(fail); }, 1000);
  }
  $('ses-create').onclick = async () => {
    try {
      const s = await rpc('session.create', { name: $('ses-name').value.trim() || 'session', repo: $('ses-repo').value.trim(), contexts: splitList($('ses-contexts').value, ',') });
      await openSession(s.id);
      status('created session ' + s.name);
    } catch (e) { fail(e); }
  };
  $('send').onclick = async () => {
    const text = $('prompt').value;
    if (!session || !text.trim()) return;
    $('send').disabled = true;
    try {
      const r = await rpc('session.prompt', { session, prompt: text });
      $('prompt').value = '';
      status('prompt #' + r.seq + ' running as job ' + r.job_id);
      watching = { session, seq: r.seq };
      await openSession(session);
    } catch (e) { fail(e); } finally { $('send').disabled = false; }
  };

  // ---- search -----------------------------------------------------------------------
  async function search() {
    const q = $('q').value;
    if (!q) return;
    const r = await rpc('file.search', { query: q, case_sensitive: false, max_results: 200 });
    const list = $('results');
    list.replaceChildren();
    for (const m of r.matches) {
      const d = el('div', { 'data-path': m.path }, m.path + ':' + m.line + '  ' + m.text.trim());
      d.onclick = () => openFile(m.path, m.line).catch(fail);
      list.appendChild(d);
    }
    status(r.matches.length + ' match(es) in ' + r.files_scanned + ' file(s)' + (r.truncated ? ' (truncated)' : ''));
  }
  $('search').onclick = () => search().catch(fail);
  $('q').addEventListener('keydown', (ev) => { if (ev.key === 'Enter') search().catch(fail); });

  window.addEventListener('beforeunload', (ev) => { if (dirty) { ev.preventDefault(); ev.returnValue = ''; } });
  (async () => {
    const r = await rpc('repo.list');
    $('root').textContent = r.root + ' · ' + r.repos.length + ' repositor' + (r.repos.length === 1 ? 'y' : 'ies');
    await loadDir('', $('tree'), 0);
    await loadContexts();
    await loadSessions();
    document.body.setAttribute('data-ready', '1');
  })().catch(fail);
})();
</script>
</body>
</html>
`;
