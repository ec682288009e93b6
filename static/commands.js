// commands.js: signed commands from the page and the command audit (issue 5, the web's part).
//
// The operator's flow, the same as the terminal console's: pick a method of the selected asset,
// fill a form built from its advertised arguments plus a required reason, review the exact
// record (topic, Kafka key, JSON) with the current value of what it affects, confirm with `y`,
// the send button (never Enter, which opened the review), and follow the command's state
// live: PENDING until the broker's delivery report makes it SENT (partition, offset) or FAILED,
// then ECHOED, EXECUTED or REJECTED (the executor's ofc_command_outcome), or TIMEOUT; REFUSED
// when the server would not produce it, with its reason. The key is this browser's own
// (keystore.js); without one, without the operator role, or when the server has no trust store
// the page is read-only and says why. The audit view reads GET /audit. Every plant string is
// set with textContent.

import { TOPIC, operatorIdValid, parseKeyFile, signCommand } from './signing.js';
import * as keystore from './keystore.js';

const RESIGN_MS = 60000; // a review left open longer is signed again before it is sent
const FINAL = new Set(['FAILED', 'EXECUTED', 'REJECTED', 'REFUSED']);

const $ = (id) => document.getElementById(id);
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

const C = {
  app: null, // hooks from app.js: send, notice, asset(uuid), selected(), fmtTime(ms), valueText(v), selectAsset(uuid), connected()
  serverCommands: false,
  helloSeen: false,
  role: '',
  user: '',
  key: null, // keystore entry
  keyError: '',
  nextId: 1,
  commands: [], // newest first: { id, cid, target, method, args, reason, state, detail, at }
  draft: null, // { target, method, args:[{name, description}], values, reason, signed, signedAt }
  auditTimer: 0,
  auditEntries: [],
};

// ---- read-only or not ----

export function readOnlyWhy() {
  if (!C.helloSeen) return 'not connected';
  if (!C.serverCommands) return 'this server has no trust store (ofc web --trust): it is read-only';
  if (C.role !== 'operator') return `your web user ${C.user} is a ${C.role}, not an operator`;
  if (!keystore.supported()) return 'this browser cannot keep a signing key here (needs HTTPS or localhost, WebCrypto Ed25519 and IndexedDB)';
  if (C.keyError) return C.keyError;
  if (!C.key) return 'no operator key in this browser: enroll one (K)';
  return '';
}

function updateKeyButton() {
  const b = $('btn-key');
  const why = readOnlyWhy();
  b.textContent = why ? 'read-only' : `key ${C.key.operator} ${C.key.keyId.slice(0, 8)}`;
  b.title = why ? `read-only: ${why} (K: operator key)` : `signing as ${C.key.operator} with key ${C.key.keyId} (K)`;
  b.classList.toggle('readonly', !!why);
  const mt = $('methods-mode');
  if (mt) mt.textContent = why ? `read-only: ${why}` : `send as ${C.key.operator} (click a method or :call NAME)`;
}

// ---- hooks from app.js ----

export async function init(app) {
  C.app = app;
  $('btn-key').addEventListener('click', openKeys);
  $('btn-audit').addEventListener('click', () => openAudit(''));
  wireKeys();
  wireCommandDialog();
  wirePicker();
  wireAudit();
  try {
    if (keystore.supported()) C.key = await keystore.loadKey();
  } catch (e) {
    C.keyError = `the key store cannot be read: ${e.message || e}`;
  }
  updateKeyButton();
}

export function onHello(msg) {
  C.helloSeen = true;
  C.serverCommands = msg.commands === true;
  C.role = msg.role;
  C.user = msg.user;
  updateKeyButton();
}

export function onDisconnect() {
  let changed = false;
  for (const c of C.commands) {
    if (!FINAL.has(c.state) && !c.lost) { c.lost = true; changed = true; }
  }
  if (changed) renderCommands();
}

export function isOpen() {
  return $('command').open || $('keys').open || $('audit').open || $('pick').open;
}

// The button beside each advertised method in the detail pane.
export function methodButton(uuid, attr) {
  const b = el('button', 'small send', 'send…');
  b.type = 'button';
  const why = readOnlyWhy();
  b.title = why ? `read-only: ${why}` : `sign and send ${attr.id} to ${uuid}`;
  b.classList.toggle('readonly', !!why);
  b.addEventListener('click', (ev) => { ev.stopPropagation(); openCall(uuid, attr.id); });
  return b;
}

export function onMessage(msg) {
  if (msg.type === 'command_state') {
    const c = C.commands.find((x) => x.id === msg.id || x.cid === msg.correlation_id);
    if (!c) return;
    c.state = msg.state;
    if (msg.state === 'SENT') { c.partition = msg.partition; c.offset = msg.offset; }
    c.detail = stateDetail(c, msg);
    announce(c);
  } else if (msg.type === 'policy') {
    onPolicy(msg);
  } else if (msg.type === 'command_refused') {
    const c = C.commands.find((x) => x.id === msg.id);
    if (!c) return;
    c.state = 'REFUSED';
    c.reasonCode = msg.reason;
    c.detail = `${msg.reason}: ${msg.message}`;
    announce(c);
  }
}

function stateDetail(c, msg) {
  switch (msg.state) {
    case 'PENDING': return 'waiting for the broker\'s delivery report';
    case 'SENT': return `partition ${msg.partition} offset ${msg.offset}`;
    case 'FAILED': return `never sent: ${msg.detail}`;
    case 'ECHOED': return `read back from ${TOPIC}; partition ${c.partition ?? '?'} offset ${c.offset ?? '?'}`;
    case 'EXECUTED': case 'REJECTED': return msg.detail || '';
    case 'TIMEOUT': return msg.detail || 'no executor reported an outcome in time';
    default: return msg.detail || '';
  }
}

function announce(c) {
  const bad = c.state === 'FAILED' || c.state === 'REJECTED' || c.state === 'REFUSED' || c.state === 'TIMEOUT';
  C.app.notice(`${c.method} → ${c.target}: ${c.state}${c.detail ? ` ${c.detail}` : ''}`, 8000, bad ? 'bad' : '');
  renderCommands();
  if ($('audit').open) scheduleAuditRefresh(500);
}

// What the server's trust store says of this key: in the key dialog (is it trusted yet?) and in
// the review (may it do this?). The executor decides in the end; this only warns early.
function askPolicy(target, method) {
  if (!C.key || !C.serverCommands || C.role !== 'operator') return;
  const q = { type: 'policy', key_id: C.key.keyId };
  if (target && method) { q.target = target; q.method = method; }
  C.app.send(q);
}

function onPolicy(msg) {
  if (!C.key || msg.key_id !== C.key.keyId) return;
  const bound = !msg.trusted || msg.operator === C.key.operator;
  if (!msg.target) {
    $('key-trust').textContent = !msg.trusted ? `Not trusted yet: ${msg.why}.`
      : bound ? `Trusted by this server as ${msg.operator}.`
        : `Warning: the trust store binds this key to ${msg.operator}, not ${C.key.operator}: commands will be refused (key_not_bound).`;
    $('key-trust').className = msg.trusted && bound ? '' : 'warn';
    return;
  }
  const d = C.draft;
  if (!d || d.target !== msg.target || d.method !== msg.method) return;
  const ok = msg.trusted && bound && msg.allowed;
  $('rv-policy').textContent = ok ? `The server's trust store allows key ${msg.key_id} to do this.`
    : `Warning: the server will refuse this: ${!msg.trusted ? msg.why : !bound ? `the key is bound to ${msg.operator}` : msg.why}.`;
  $('rv-policy').className = ok ? 'dim' : 'warn';
}

// ---- the session's commands ----

function renderCommands() {
  const tb = el('tbody');
  for (const c of C.commands) {
    const tr = el('tr');
    tr.dataset.cid = c.cid;
    tr.dataset.state = c.state;
    const call = `${c.method}(${c.args.map(([n, v]) => `${n}=${v}`).join(', ')})`;
    const st = el('td', `cmd-state cmd-${c.state.toLowerCase()}`, c.state);
    const detail = c.detail + (c.lost ? ' (connection lost: later states are in the audit)' : '');
    const what = el('td');
    what.append(el('span', 'who', `${c.target} · ${call}`), el('span', 'msg', `${detail} · ${c.cid.slice(0, 8)}`));
    tr.append(el('td', 'age', C.app.fmtTime(c.at)), st, what);
    tr.title = `correlation id ${c.cid}; reason: ${c.reason}`;
    tr.addEventListener('click', () => C.app.selectAsset(c.target));
    tb.append(tr);
  }
  $('commands').querySelector('tbody').replaceWith(tb);
  $('commands-box').hidden = C.commands.length === 0;
}

// ---- the form, the review, the send ----

// `x`: the selected asset's methods to choose from (arrows, Enter), or the only one's form.
export function pickMethod(uuid) {
  const why = readOnlyWhy();
  if (why) { C.app.notice(`Read-only: ${why}`, 8000, 'bad'); return; }
  const a = uuid && C.app.asset(uuid);
  const methods = a ? [...a.attrs.values()].filter((x) => x.method).sort((x, y) => (x.id < y.id ? -1 : 1)) : [];
  if (!methods.length) { C.app.notice(a ? `${a.uuid} advertises no methods` : 'select an asset first', 4000, 'bad'); return; }
  if (methods.length === 1) { openCall(a.uuid, methods[0].id); return; }
  const list = el('div', 'pick-list');
  list.id = 'pick-list';
  for (const m of methods) {
    const b = el('button', 'pick', `${m.id}(${(m.method.arguments || []).map((x) => x.name).join(', ')})`);
    b.type = 'button';
    b.addEventListener('click', () => { $('pick').close(); openCall(a.uuid, m.id); });
    list.append(b);
  }
  $('pick-title').textContent = `Send to ${a.uuid}`;
  $('pick-list').replaceWith(list);
  $('pick').showModal();
  list.firstChild.focus();
}

function wirePicker() {
  $('pick').addEventListener('keydown', (ev) => {
    const items = [...$('pick-list').children];
    const i = items.indexOf(document.activeElement);
    const d = ev.key === 'ArrowDown' || ev.key === 'j' ? 1 : ev.key === 'ArrowUp' || ev.key === 'k' ? -1 : 0;
    if (d) { ev.preventDefault(); items[(i + d + items.length) % items.length].focus(); }
  });
  $('pick-cancel').addEventListener('click', () => $('pick').close());
}

export function openCall(uuid, methodId) {
  const why = readOnlyWhy();
  if (why) { C.app.notice(`Read-only: ${why}`, 8000, 'bad'); return; }
  const a = uuid && C.app.asset(uuid);
  if (!a) { C.app.notice('select an asset first', 4000, 'bad'); return; }
  const m = a.attrs.get(methodId);
  if (!m || !m.method) { C.app.notice(`${uuid} advertises no method ${methodId}`, 5000, 'bad'); return; }
  C.draft = {
    target: a.uuid, method: m.id, description: m.method.description || '',
    params: (m.method.arguments || []).map((x) => ({ name: x.name, description: x.description || '' })),
    values: {}, reason: '', signed: null, signedAt: 0,
  };
  showForm();
  $('command').showModal();
  const first = $('command-fields').querySelector('input') || $('command-reason');
  first.focus();
}

function showForm() {
  const d = C.draft;
  $('command-form').hidden = false;
  $('command-review').hidden = true;
  $('command-title').textContent = `${d.method} → ${d.target}`;
  $('command-desc').textContent = d.description;
  const box = el('div');
  box.id = 'command-fields';
  for (const p of d.params) {
    const label = el('label', 'field');
    label.append(el('span', 'mono', p.name), el('span', 'dim', p.description ? ` ${p.description}` : ''));
    const input = el('input');
    input.dataset.arg = p.name;
    input.autocomplete = 'off';
    input.spellcheck = false;
    input.value = d.values[p.name] ?? '';
    label.append(input);
    box.append(label);
  }
  $('command-fields').replaceWith(box);
  $('command-reason').value = d.reason;
  $('command-error').textContent = '';
}

function readForm() {
  const d = C.draft;
  for (const input of $('command-fields').querySelectorAll('input')) d.values[input.dataset.arg] = input.value;
  d.reason = $('command-reason').value;
}

async function sign() {
  const d = C.draft;
  d.signed = await signCommand({
    target: d.target, method: d.method, sender: C.key.operator, keyId: C.key.keyId,
    reason: d.reason, args: d.params.map((p) => [p.name, d.values[p.name] ?? '']), nowMs: Date.now(),
  }, (bytes) => keystore.signWith(C.key, bytes));
  d.signedAt = Date.now();
}

async function review() {
  readForm();
  const d = C.draft;
  if (!d.reason.trim()) { $('command-error').textContent = 'a reason is required: it is signed and kept for the audit'; $('command-reason').focus(); return; }
  try {
    await sign();
  } catch (e) {
    $('command-error').textContent = `cannot sign: ${e.message || e}`;
    return;
  }
  if (new TextEncoder().encode(JSON.stringify({ type: 'command', id: 0, target: d.target, record: d.signed.record })).length > 4000) {
    $('command-error').textContent = 'the command is too large for one message (4 KiB): shorten the reason or arguments';
    return;
  }
  showReview();
}

function affected(a, d) {
  const names = [d.method, ...d.params.map((p) => p.name)].map((x) => x.toLowerCase());
  const out = [];
  for (const at of a.attrs.values()) {
    const id = at.id.toLowerCase();
    if (at.method || id.endsWith('_cmd') || id === 'ofc_command_outcome' || id.length < 3) continue;
    const core = id.replace(/^(last|current)_/, '');
    if (names.some((n) => n.includes(core) || core.includes(n))) out.push(at);
  }
  return out;
}

function showReview() {
  const d = C.draft;
  const a = C.app.asset(d.target);
  $('command-form').hidden = true;
  $('command-review').hidden = false;
  $('rv-topic').textContent = TOPIC;
  $('rv-key').textContent = d.target;
  $('rv-cid').textContent = d.signed.correlationId;
  $('rv-signer').textContent = `${C.key.operator}, key ${C.key.keyId}, at ${d.signed.timestamp}`;
  $('rv-record').textContent = d.signed.record;
  const tb = el('tbody');
  const row = (what, value, age) => { const tr = el('tr'); tr.append(el('td', 'mono', what), el('td', 'value', value), el('td', 'age', age || '')); tb.append(tr); };
  if (a) {
    row('state', a.state || '');
    row('availability', a.availability || '');
    for (const at of affected(a, d)) row(at.id, C.app.valueText(at.value), at.timestamp ? C.app.fmtTime(Date.parse(at.timestamp)) : '');
  } else {
    row('asset', 'not in the plant this page follows');
  }
  $('rv-current').querySelector('tbody').replaceWith(tb);
  $('rv-note').textContent = '';
  $('rv-policy').textContent = 'Asking the server whether its trust store allows this…';
  $('rv-policy').className = 'dim';
  askPolicy(d.target, d.method);
  $('command-review').focus();
}

async function confirmSend() {
  const d = C.draft;
  if (!d || !d.signed) return;
  if (!C.app.connected()) { $('rv-note').textContent = 'not connected to the server: nothing was sent'; return; }
  if (Date.now() - d.signedAt > RESIGN_MS) {
    await sign();
    showReview();
    $('rv-note').textContent = 'The review was open over a minute: signed again with a fresh time. Check it and confirm again.';
    return;
  }
  const id = C.nextId++;
  const c = {
    id, cid: d.signed.correlationId, target: d.target, method: d.method,
    args: d.params.map((p) => [p.name, (d.values[p.name] ?? '').trim()]), reason: d.reason.trim(),
    state: 'PENDING', detail: 'waiting for the broker\'s delivery report', at: Date.now(),
  };
  C.commands.unshift(c);
  if (C.commands.length > 200) C.commands.pop();
  C.app.send({ type: 'command', id, target: d.target, record: d.signed.record });
  C.draft = null;
  $('command').close();
  renderCommands();
  C.app.notice(`${c.method} → ${c.target}: PENDING (not sent until the broker confirms)`, 5000);
}

function closeCommand() {
  C.draft = null;
  if ($('command').open) $('command').close();
}

function wireCommandDialog() {
  $('command-form').addEventListener('submit', (ev) => { ev.preventDefault(); review(); });
  $('command-cancel').addEventListener('click', closeCommand);
  $('rv-send').addEventListener('click', () => confirmSend());
  $('rv-edit').addEventListener('click', () => { C.draft.signed = null; showForm(); });
  $('rv-cancel').addEventListener('click', closeCommand);
  $('command').addEventListener('cancel', (ev) => { ev.preventDefault(); closeCommand(); });
  $('command').addEventListener('keydown', (ev) => {
    if ($('command-review').hidden) return;
    // In the review only y (or the send button) sends: Enter, which opened it, Space and F2, which
    // finishes the form in the terminal console, do nothing, the same in both consoles.
    if (ev.key === 'Enter' || ev.key === ' ' || ev.key === 'F2') { ev.preventDefault(); ev.stopPropagation(); return; }
    if (ev.key === 'y') { ev.preventDefault(); confirmSend(); }
    else if (ev.key === 'e') { ev.preventDefault(); C.draft.signed = null; showForm(); }
  });
}

// ---- the key ----

function renderKeys() {
  const k = C.key;
  $('key-none').hidden = !!k;
  $('key-have').hidden = !k;
  $('key-status').textContent = readOnlyWhy() ? `Read-only: ${readOnlyWhy()}.` : `Commands are signed as ${k.operator}.`;
  if (k) {
    $('key-operator').textContent = k.operator;
    $('key-id').textContent = k.keyId;
    $('key-source').textContent = `${k.source === 'imported' ? 'imported from an ofc keygen file' : 'made in this browser'} on ${new Date(k.created).toISOString()}; the private key cannot be exported`;
    $('key-line').value = keystore.entryTrustLine(k);
  }
  if (!$('key-operator-input').value) $('key-operator-input').value = C.user || '';
  $('key-trust').textContent = '';
  $('key-error').textContent = '';
}

export function openKeys() {
  renderKeys();
  askPolicy();
  if (!$('keys').open) $('keys').showModal();
}

function wireKeys() {
  $('key-generate').addEventListener('click', async () => {
    const op = $('key-operator-input').value.trim();
    if (!operatorIdValid(op)) { $('key-error').textContent = 'operator id: 1 to 128 of A-Z a-z 0-9 . _ @ : -'; return; }
    if (C.key && !confirm(`Replace the key of ${C.key.operator} (${C.key.keyId})? It cannot be recovered.`)) return;
    try {
      C.key = await keystore.generateKey(op);
      C.keyError = '';
    } catch (e) {
      $('key-error').textContent = `cannot make a key: ${e.message || e}`;
      return;
    }
    renderKeys();
    askPolicy();
    updateKeyButton();
    C.app.rerender();
  });
  $('key-file').addEventListener('change', async () => {
    const f = $('key-file').files[0];
    $('key-file').value = '';
    if (!f) return;
    try {
      const parsed = parseKeyFile(await f.text());
      C.key = await keystore.importKey(parsed);
      C.keyError = '';
    } catch (e) {
      $('key-error').textContent = e.message || String(e);
      return;
    }
    renderKeys();
    updateKeyButton();
    C.app.rerender();
  });
  $('key-forget').addEventListener('click', async () => {
    if (!C.key || !confirm(`Forget the key of ${C.key.operator} (${C.key.keyId})? It cannot be recovered.`)) return;
    await keystore.forgetKey();
    C.key = null;
    renderKeys();
    updateKeyButton();
    C.app.rerender();
  });
  $('key-copy').addEventListener('click', async () => {
    $('key-line').select();
    try { await navigator.clipboard.writeText($('key-line').value); $('key-error').textContent = 'copied'; } catch (e) { document.execCommand('copy'); }
  });
  $('key-close').addEventListener('click', () => $('keys').close());
}

// ---- the audit ----

function auditQuery(format) {
  const q = new URLSearchParams();
  for (const [name, id] of [['operator', 'af-operator'], ['asset', 'af-asset'], ['since', 'af-since'], ['until', 'af-until']]) {
    const v = $(id).value.trim();
    if (v) q.set(name, v);
  }
  if (format) q.set('format', format);
  return `/audit?${q}`;
}

async function loadAudit() {
  let body;
  try {
    const r = await fetch(auditQuery('json'), { credentials: 'same-origin', cache: 'no-store' });
    body = await r.json();
    if (!r.ok) throw new Error(body.error || String(r.status));
  } catch (e) {
    $('audit-note').textContent = `cannot read the audit: ${e.message || e}`;
    return;
  }
  C.auditEntries = body.entries;
  $('audit-count').textContent = `${body.matched} of ${body.total}${body.truncated ? `, newest ${body.entries.length} shown` : ''}`;
  $('audit-note').textContent = body.trusted ? 'Verified against the server\'s trust store, each at its own Kafka time.'
    : 'The server has no trust store: signed commands show as unknown key.';
  const tb = el('tbody');
  for (const [i, e] of body.entries.entries()) {
    const tr = el('tr');
    tr.dataset.index = String(i);
    tr.dataset.status = e.status;
    const call = `${e.method ?? '?'}(${Object.entries(e.arguments || {}).map(([n, v]) => `${n}=${v}`).join(', ')})`;
    const status = e.status === 'invalid' ? `invalid: ${e.verdict}` : e.status;
    const st = el('td', `audit-${e.status.replace(' ', '-')}`, status);
    st.title = e.why;
    tr.append(el('td', 'age', C.app.fmtTime(Date.parse(e.time))), st, el('td', 'mono', e.operator ?? ''),
      el('td', 'mono', e.target ?? ''), el('td', 'mono', call), el('td', 'value', e.reason ?? ''));
    tr.addEventListener('click', () => showAuditDetail(i));
    tb.append(tr);
  }
  $('audit-table').querySelector('tbody').replaceWith(tb);
}

function showAuditDetail(i) {
  const e = C.auditEntries[i];
  if (!e) return;
  $('audit-detail').textContent = [
    `status      ${e.status} (${e.verdict}: ${e.why})`,
    `operator    ${e.operator ?? ''}   key ${e.key_id ?? ''}`,
    `target      ${e.target ?? ''}   method ${e.method ?? ''}`,
    `correlation ${e.correlation_id ?? ''}`,
    `signed at   ${e.timestamp ?? ''}   written ${e.time}   partition ${e.partition} offset ${e.offset}`,
    `reason      ${e.reason ?? ''}`,
    `record      ${e.record ?? ''}`,
  ].join('\n');
}

function scheduleAuditRefresh(ms) {
  clearTimeout(C.auditTimer);
  C.auditTimer = setTimeout(() => { if ($('audit').open) { loadAudit(); scheduleAuditRefresh(5000); } }, ms);
}

export function openAudit(filters) {
  // ":audit operator=alice asset=X since=2h until=..." sets the filters.
  for (const part of String(filters || '').split(/\s+/)) {
    const m = /^(operator|asset|since|until)=(.*)$/.exec(part);
    if (m) $(`af-${m[1]}`).value = m[2];
  }
  $('audit-detail').textContent = '';
  if (!$('audit').open) $('audit').showModal();
  loadAudit();
  scheduleAuditRefresh(5000);
}

function wireAudit() {
  $('audit-filters').addEventListener('submit', (ev) => { ev.preventDefault(); loadAudit(); });
  $('audit-close').addEventListener('click', () => $('audit').close());
  $('audit').addEventListener('close', () => clearTimeout(C.auditTimer));
  $('audit-export').addEventListener('click', async () => {
    // NDJSON of every match, oldest first, signed records included (ofc verify --stdin can
    // check them again).
    const r = await fetch(auditQuery('ndjson'), { credentials: 'same-origin', cache: 'no-store' });
    if (!r.ok) { $('audit-note').textContent = `export failed (${r.status})`; return; }
    const blob = new Blob([await r.text()], { type: 'application/x-ndjson' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `ofconsole-audit-${new Date().toISOString().replace(/[:.]/g, '-')}.ndjson`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  });
}
