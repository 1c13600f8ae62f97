/**
 * A self-contained documentation page (no CDN, no packages): it fetches the OpenAPI document with
 * the key typed in (kept in memory only), lists every operation and can send a request.
 */
export const DOCS_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Switchboard admin API</title>
<style>
body{font:14px system-ui,sans-serif;margin:2rem;max-width:70rem;color:#222}
h2{margin-top:2rem;border-bottom:1px solid #ddd}
details{border:1px solid #ddd;border-radius:4px;margin:.4rem 0;padding:.4rem .6rem}
summary{cursor:pointer}code,pre{font:12px ui-monospace,monospace}pre{background:#f6f6f6;padding:.6rem;overflow:auto}
.m{display:inline-block;width:4.5rem;font-weight:600}.roles{color:#777;font-size:12px}
input,textarea{font:12px ui-monospace,monospace;width:100%;box-sizing:border-box;margin:.2rem 0}
</style></head><body>
<h1>Switchboard admin API</h1>
<p>API key (<code>sb_...</code>, kept in this page's memory only): <input id="key" type="password" autocomplete="off"></p>
<button id="load">Load the API description</button> <span id="status"></span>
<div id="ops"></div>
<script src="/api/v1/docs/app.js"></script>
</body></html>`;

export const DOCS_SCRIPT = `'use strict';
const $ = (s) => document.querySelector(s);
const el = (tag, props = {}, ...kids) => { const e = Object.assign(document.createElement(tag), props); e.append(...kids); return e; };
async function call(method, url, body) {
  const headers = { authorization: 'Bearer ' + $('#key').value };
  if (body) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method, headers, body: body || undefined });
  const text = await res.text();
  return res.status + ' ' + res.statusText + '\\n' + text;
}
function operation(path, method, op) {
  const params = op.parameters || [];
  const inputs = params.map((p) => [p, el('input', { placeholder: p.name + ' (' + p.in + (p.required ? ', required' : '') + ')' })]);
  const body = op.requestBody ? el('textarea', { rows: 6, placeholder: 'JSON body' }) : null;
  const out = el('pre');
  const send = el('button', { textContent: 'Send' });
  send.onclick = async () => {
    let url = path; const q = new URLSearchParams();
    for (const [p, input] of inputs) {
      if (!input.value) continue;
      if (p.in === 'path') url = url.replace('{' + p.name + '}', encodeURIComponent(input.value));
      else if (p.in === 'query') q.set(p.name, input.value);
    }
    out.textContent = '...';
    try { out.textContent = await call(method.toUpperCase(), url + (q.size ? '?' + q : ''), body && body.value); }
    catch (e) { out.textContent = String(e); }
  };
  return el('details', {},
    el('summary', {}, el('span', { className: 'm', textContent: method.toUpperCase() }), el('code', { textContent: path }), ' ', op.summary || '',
      el('span', { className: 'roles', textContent: op['x-roles'] ? '  roles: ' + op['x-roles'].join(', ') : '  public' })),
    ...inputs.map(([, i]) => i), ...(body ? [body] : []), send, out);
}
$('#load').onclick = async () => {
  $('#status').textContent = 'loading...';
  const res = await fetch('/api/v1/openapi.json', { headers: { authorization: 'Bearer ' + $('#key').value } });
  if (!res.ok) { $('#status').textContent = 'HTTP ' + res.status + ': check the key'; return; }
  const doc = await res.json();
  const byTag = {};
  for (const [path, ops] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(ops)) (byTag[op.tags[0]] ||= []).push(operation(path, method, op));
  $('#ops').replaceChildren(...Object.entries(byTag).flatMap(([tag, items]) => [el('h2', { textContent: tag }), ...items]));
  $('#status').textContent = doc.info.title + ' ' + doc.info.version;
};
`;
