// app.js: the ofconsole dashboard. Follows the plant over the ofc-live.v1 WebSocket
// (docs/protocol.md): a snapshot, then deltas numbered by seq, the alarm list, the stale set and
// the feed status. Everything that comes from the plant is shown with textContent, never as
// HTML. Rendering is coalesced into one animation frame; ages tick once a second.

import { sparkline, trendChart } from './trend.js';
import * as cmds from './commands.js';

const PROTOCOL = 'ofc-live.v1';
const TREND_POINTS = 240;
const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];

// ISA-101: glyph and word beside every colour; ordered worst first by rank.
const STATES = {
  fault: { glyph: '✖', word: 'FAULT', rank: 4 },
  warning: { glyph: '▲', word: 'WARN', rank: 3 },
  unavailable: { glyph: '⊘', word: 'UNAVAIL', rank: 2 },
  stale: { glyph: '◌', word: 'STALE', rank: 1 },
  normal: { glyph: '·', word: 'OK', rank: 0 },
};

const $ = (id) => document.getElementById(id);

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

// ---- state ----

const S = {
  ws: null,
  open: false,
  attempt: 0,
  retryTimer: 0,
  retryAt: 0,
  scope: sessionStorage.getItem('ofc.scope') || '',
  seq: -1,
  assets: new Map(), // uuid -> { ...asset, attrs: Map(id -> attribute) }
  staleAll: false,
  staleSet: new Set(),
  alarms: { alarms: [], warnings: 0, faults: 0, truncated: false },
  status: null,
  skew: 0, // server clock - local clock, ms
  positions: new Map(), // "topic/partition" -> highest next_offset seen from any server
  user: '',
  role: '',
  auth: true,
  replica: '',
  selected: null,
  back: [],
  expanded: new Set(),
  expandedInit: false,
  filter: '',
  utc: localStorage.getItem('ofc.utc') !== 'local',
  pane: 'tree',
  treeCursor: null, // a row key: "n:" + path or "a:" + uuid
  attrCursor: null,
  alarmCursor: 0,
  alarmView: null, // frozen list while paused
  trends: new Map(), // attribute id -> [[ms, value]] of the selected asset
  trendAttr: null,
  dirty: { tree: false, detail: false, alarms: false, status: false, changed: new Set() },
  frame: 0,
  lastTreeValues: 0,
};

// ---- formatting ----

function now() { return Date.now() + S.skew; }

function pad(n, w = 2) { return String(n).padStart(w, '0'); }

function fmtTime(ms) {
  if (!Number.isFinite(ms)) return '--:--:--';
  const d = new Date(ms);
  return S.utc ? `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
               : `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function fmtAge(ms) {
  if (!Number.isFinite(ms)) return '-';
  let s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  let m = Math.floor(s / 60); s %= 60;
  if (m < 60) return `${m}m${pad(s)}s`;
  let h = Math.floor(m / 60); m %= 60;
  if (h < 24) return `${h}h${pad(m)}m`;
  const d = Math.floor(h / 24); h %= 24;
  return `${d}d${pad(h)}h`;
}

function parseTime(s) { const t = s ? Date.parse(s) : NaN; return t; }

function tagLocal(tag) { return tag ? tag.replace(/^\{[^}]*\}/, '') : ''; }

function valueText(v) {
  if (v === null || v === undefined) return '—';
  return typeof v === 'string' ? v : String(v);
}

function attrTime(a) {
  const t = parseTime(a.timestamp);
  return Number.isFinite(t) ? t : parseTime(a.received);
}

function stateMark(state, cls = 'state') {
  const st = STATES[state] || STATES.normal;
  const span = el('span', `${cls} st-${state in STATES ? state : 'normal'}`);
  span.append(document.createTextNode(st.glyph + ' '), el('span', '', st.word));
  span.title = state;
  return span;
}

function worst(a, b) { return (STATES[a]?.rank ?? 0) >= (STATES[b]?.rank ?? 0) ? a : b; }

function isStale(uuid) { return !S.open || S.staleAll || S.staleSet.has(uuid); }

function effectiveState(asset) {
  return worst(asset.state || 'normal', isStale(asset.uuid) ? 'stale' : 'normal');
}

// ---- the model on this page ----

function importAsset(a) {
  const attrs = new Map();
  for (const at of a.attributes || []) attrs.set(at.id, at);
  const copy = { ...a, attrs };
  delete copy.attributes;
  return copy;
}

function applySnapshot(msg) {
  const snap = msg.snapshot;
  S.assets.clear();
  for (const a of snap.assets) S.assets.set(a.uuid, importAsset(a));
  S.seq = msg.seq;
  checkPositions(snap.positions || [], true);
  if (snap.status) S.status = { ...(S.status || {}), ...snap.status };
  if (!S.expandedInit) expandDefault();
  if (msg.reason === 'behind')
    notice('This page fell behind the plant\'s updates: it was sent a fresh snapshot instead of the backlog.', 8000);
  else if (msg.reason === 'resync')
    notice('Resynchronised with a fresh snapshot.', 4000);
  if (S.selected && S.assets.has(S.selected)) requestHistory(S.selected);
  markAll();
}

function applyDelta(msg) {
  if (S.seq < 0) return; // waiting for a snapshot
  if (msg.seq !== S.seq + 1) {
    notice(`Missed updates (expected ${S.seq + 1}, got ${msg.seq}): resynchronising.`, 5000);
    S.seq = -1;
    send({ type: 'resync' });
    return;
  }
  S.seq = msg.seq;
  let structure = false;
  for (const entry of msg.assets) {
    const old = S.assets.get(entry.uuid);
    if (entry.in_view) {
      const a = importAsset(entry.asset);
      if (old && S.selected === entry.uuid) a.attrs.forEach((at) => trendPoint(at));
      structure = structure || !old || old.uns_id !== a.uns_id || old.device !== a.device ||
                  old.state !== a.state;
      S.assets.set(entry.uuid, a);
      if (S.selected === entry.uuid) S.dirty.detail = true;
    } else if (old) {
      S.assets.delete(entry.uuid);
      structure = true;
    }
  }
  for (const { asset, attr } of msg.attributes) {
    const a = S.assets.get(asset);
    if (!a) continue;
    a.attrs.set(attr.id, attr);
    if (asset === S.selected) {
      trendPoint(attr);
      S.dirty.changed.add(attr.id);
    }
  }
  if (structure) S.dirty.tree = true;
  else if (S.filter && msg.attributes.length) S.dirty.treeValues = true;
  schedule();
}

function trendPoint(at) {
  if (at.type !== 'Samples') return;
  const v = typeof at.value === 'number' ? at.value : parseFloat(at.value);
  const t = attrTime(at);
  if (!Number.isFinite(v) || !Number.isFinite(t)) return;
  let pts = S.trends.get(at.id);
  if (!pts) S.trends.set(at.id, (pts = []));
  if (pts.length && pts[pts.length - 1][0] >= t) return;
  pts.push([t, v]);
  if (pts.length > TREND_POINTS) pts.splice(0, pts.length - TREND_POINTS);
}

// Replicas: a snapshot carries the offsets it reflects. If this server has read less than one
// this page saw before, say so.
function checkPositions(positions, fromSnapshot) {
  let behind = 0;
  for (const p of positions) {
    const key = `${p.topic}/${p.partition}`;
    const seen = S.positions.get(key);
    if (seen !== undefined && p.next_offset < seen) behind += seen - p.next_offset;
    if (seen === undefined || p.next_offset > seen) S.positions.set(key, p.next_offset);
  }
  if (fromSnapshot && behind > 0)
    notice(`This server is ${behind} records behind what this page showed before (another replica?); it will catch up.`, 10000);
}

function markAll() {
  S.dirty.tree = S.dirty.detail = S.dirty.alarms = S.dirty.status = true;
  schedule();
}

// ---- connection ----

function send(obj) {
  if (S.ws && S.ws.readyState === WebSocket.OPEN) S.ws.send(JSON.stringify(obj));
}

function wsUrl() {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const q = S.scope ? `?uns=${encodeURIComponent(S.scope)}` : '';
  return `${scheme}//${location.host}/live${q}`;
}

function connect() {
  clearTimeout(S.retryTimer);
  S.retryTimer = 0;
  let ws;
  try {
    ws = new WebSocket(wsUrl(), PROTOCOL);
  } catch (e) {
    scheduleReconnect();
    return;
  }
  S.ws = ws;
  S.dirty.status = true;
  schedule();
  ws.onopen = () => {
    S.open = true;
    S.attempt = 0;
    hideNotice('offline');
    markAll();
  };
  ws.onmessage = (ev) => {
    let msg;
    try { msg = JSON.parse(ev.data); } catch (e) { return; }
    onMessage(msg);
  };
  ws.onclose = (ev) => {
    const wasOpen = S.open;
    S.open = false;
    S.ws = null;
    S.seq = -1;
    markAll();
    cmds.onDisconnect();
    if (ev.code === 4401) notice('Your credential was revoked.', 0, 'bad');
    else if (ev.code === 4400 || ev.code === 1008 || ev.code === 1009)
      notice(`The server closed the connection: ${ev.reason || ev.code}`, 8000, 'bad');
    afterClose(wasOpen);
  };
}

// A refused upgrade looks like any dropped connection to a page, so ask /session whether the
// login is still good before trying again.
async function afterClose(wasOpen) {
  try {
    const r = await fetch('/session', { credentials: 'same-origin', cache: 'no-store' });
    if (r.status === 401) { showLogin(); return; }
  } catch (e) { /* server away: retry below */ }
  scheduleReconnect(wasOpen);
}

function scheduleReconnect(wasOpen) {
  const base = BACKOFF_MS[Math.min(S.attempt, BACKOFF_MS.length - 1)];
  const delay = wasOpen && S.attempt === 0 ? 250 : Math.round(base * (0.8 + Math.random() * 0.4));
  S.attempt++;
  S.retryAt = Date.now() + delay;
  S.retryTimer = setTimeout(connect, delay);
  notice('', 0, 'bad', 'offline');
  S.dirty.status = true;
  schedule();
}

function onMessage(msg) {
  switch (msg.type) {
    case 'hello':
      S.user = msg.user; S.role = msg.role; S.auth = msg.auth; S.replica = msg.replica;
      $('who').textContent = `${msg.user} (${msg.role})`;
      $('btn-logout').hidden = !msg.auth;
      cmds.onHello(msg);
      S.dirty.detail = true;
      schedule();
      break;
    case 'command_state': case 'command_refused': case 'policy': cmds.onMessage(msg); break;
    case 'snapshot': applySnapshot(msg); break;
    case 'delta': applyDelta(msg); break;
    case 'alarms':
      S.alarms = msg;
      S.dirty.alarms = true;
      S.dirty.tree = true;
      if (S.selected) S.dirty.detail = true;
      schedule();
      break;
    case 'stale':
      S.staleAll = msg.all;
      S.staleSet = new Set(msg.assets);
      S.dirty.tree = S.dirty.detail = true;
      schedule();
      break;
    case 'status': {
      const before = S.status && S.status.connected;
      S.status = msg;
      const t = parseTime(msg.time);
      if (Number.isFinite(t)) S.skew = t - Date.now();
      checkPositions(msg.positions || [], false);
      S.dirty.status = true;
      if (before !== msg.connected) S.dirty.tree = S.dirty.detail = true;
      schedule();
      break;
    }
    case 'history': onHistory(msg); break;
    case 'pong': break;
    case 'error': notice(`Server: ${msg.message}`, 8000, 'bad'); break;
    default: break;
  }
}

function requestHistory(uuid) { send({ type: 'history', asset: uuid }); }

function onHistory(msg) {
  if (msg.uuid !== S.selected || !msg.asset) return;
  S.trends = new Map();
  for (const at of msg.asset.attributes) {
    if (at.history) S.trends.set(at.id, at.history.map((p) => [p[0], p[1]]));
  }
  const a = S.assets.get(msg.uuid);
  if (a) for (const at of msg.asset.attributes) trendPoint(a.attrs.get(at.id) || at);
  S.dirty.detail = true;
  schedule();
}

// ---- notices ----

let noticeTimer = 0;
let noticeKind = '';
function notice(text, ms, cls = '', kind = 'info') {
  const n = $('notice');
  if (kind === 'offline') {
    noticeKind = 'offline';
    n.className = 'notice bad';
    n.hidden = false;
    updateOfflineNotice();
    return;
  }
  if (noticeKind === 'offline' && !S.open) return; // the outage matters more
  noticeKind = kind;
  n.className = `notice ${cls}`;
  n.textContent = text;
  n.hidden = false;
  clearTimeout(noticeTimer);
  if (ms) noticeTimer = setTimeout(() => { n.hidden = true; noticeKind = ''; }, ms);
}

function updateOfflineNotice() {
  if (noticeKind !== 'offline') return;
  const left = Math.max(0, Math.ceil((S.retryAt - Date.now()) / 1000));
  $('notice').textContent = S.retryTimer
    ? `Offline: the dashboard server does not answer. Showing the last known plant (stale). Reconnecting in ${left}s (attempt ${S.attempt}).`
    : 'Offline: reconnecting…';
}

function hideNotice(kind) {
  if (noticeKind === kind) { $('notice').hidden = true; noticeKind = ''; }
}

// ---- tree ----

function buildTree() {
  const root = { name: '', path: '', children: new Map(), assets: [], unmapped: false };
  const child = (node, name, path, unmapped) => {
    let c = node.children.get(name);
    if (!c) node.children.set(name, (c = { name, path, children: new Map(), assets: [], unmapped }));
    return c;
  };
  for (const a of S.assets.values()) {
    if (!a.uns_id) {
      if (a.device && S.assets.has(a.device)) continue; // a helper: shown with its device
      child(root, '(unmapped)', '(unmapped)', true).assets.push(a.uuid);
      continue;
    }
    let node = root, path = '';
    for (const part of a.uns_id.split('/')) {
      path = path ? `${path}/${part}` : part;
      node = child(node, part, path, false);
    }
    node.assets.push(a.uuid);
  }
  return root;
}

function sortedChildren(node) {
  return [...node.children.values()].sort((x, y) =>
    x.unmapped !== y.unmapped ? (x.unmapped ? 1 : -1) : x.name < y.name ? -1 : x.name > y.name ? 1 : 0);
}

function expandDefault() {
  S.expandedInit = true;
  const root = buildTree();
  const total = S.assets.size;
  const walk = (node, depth) => {
    for (const c of node.children.values()) {
      if (total <= 300 || depth < 2) S.expanded.add(c.path);
      walk(c, depth + 1);
    }
  };
  walk(root, 0);
}

function filterText() { return S.filter.trim().toLowerCase(); }

function assetMatchesName(a, f) {
  return a.uuid.toLowerCase().includes(f) || (a.uns_id || '').toLowerCase().includes(f);
}

function attrMatches(at, f) {
  return at.id.toLowerCase().includes(f) || valueText(at.value).toLowerCase().includes(f);
}

function alarmMatches(al, f) {
  return al.asset.toLowerCase().includes(f) || (al.uns_id || '').toLowerCase().includes(f) ||
    al.id.toLowerCase().includes(f) || valueText(al.value).toLowerCase().includes(f);
}

function assetMatches(a, f) {
  if (!f || assetMatchesName(a, f)) return true;
  for (const at of a.attrs.values()) if (attrMatches(at, f)) return true;
  return S.alarms.alarms.some((al) => al.asset === a.uuid && alarmMatches(al, f));
}

// Annotate nodes with their roll-up state, counts and whether anything below matches.
function annotate(node, f) {
  let state = 'normal', total = 0, match = false;
  node.matchingAssets = [];
  for (const uuid of node.assets) {
    const a = S.assets.get(uuid);
    state = worst(state, effectiveState(a));
    total++;
    if (assetMatches(a, f)) { match = true; node.matchingAssets.push(uuid); }
  }
  for (const c of node.children.values()) {
    annotate(c, f);
    state = worst(state, c.state);
    total += c.total;
    match = match || c.match;
  }
  node.state = state;
  node.total = total;
  node.match = match;
}

let visibleRows = [];

function renderTree() {
  const f = filterText();
  const root = buildTree();
  annotate(root, f);
  const ul = $('tree');
  const frag = document.createDocumentFragment();
  visibleRows = [];
  const addRow = (parent, key, depthPath, build) => {
    const li = el('li');
    li.setAttribute('role', 'treeitem');
    const row = el('div', 'row');
    row.dataset.key = key;
    build(row, li);
    li.prepend(row);
    parent.append(li);
    visibleRows.push({ key, row, path: depthPath });
    row.addEventListener('click', () => { setTreeCursor(key); activateRow(key, true); });
    return li;
  };
  const walk = (node, parentEl) => {
    for (const c of sortedChildren(node)) {
      if (f && !c.match) continue;
      const open = f ? true : S.expanded.has(c.path);
      const single = c.children.size === 0 && c.assets.length === 1;
      const key = single ? `a:${c.assets[0]}` : `n:${c.path}`;
      const li = addRow(parentEl, key, c.path, (row, li) => {
        row.dataset.path = c.path;
        if (single) row.dataset.uuid = c.assets[0];
        row.append(el('span', 'exp', single ? '' : open ? '▾' : '▸'));
        row.append(stateMark(c.state, 'glyph'));
        row.append(el('span', 'name', c.name));
        if (single) {
          if (c.assets[0].toLowerCase() !== c.name.toLowerCase()) row.append(el('span', 'uuid', c.assets[0]));
        } else {
          row.append(el('span', 'count', String(c.total)));
        }
        li.setAttribute('aria-expanded', String(open));
      });
      if (single || !open) continue;
      const sub = el('ul');
      sub.setAttribute('role', 'group');
      const assets = (f ? c.matchingAssets : c.assets).slice().sort();
      for (const uuid of assets) {
        addRow(sub, `a:${uuid}`, c.path, (row) => {
          row.dataset.uuid = uuid;
          row.append(el('span', 'exp', ''));
          row.append(stateMark(effectiveState(S.assets.get(uuid)), 'glyph'));
          row.append(el('span', 'name', uuid));
        });
      }
      walk(c, sub);
      li.append(sub);
    }
  };
  walk(root, frag);
  ul.replaceChildren(frag);
  $('tree-empty').hidden = visibleRows.length > 0;
  $('tree-empty').textContent = S.assets.size ? 'nothing matches the filter' : 'waiting for the plant…';
  $('tree-count').textContent = S.assets.size ? `${S.assets.size} assets` : '';
  if (!visibleRows.some((r) => r.key === S.treeCursor) && visibleRows.length)
    S.treeCursor = S.selected && visibleRows.some((r) => r.key === `a:${S.selected}`) ? `a:${S.selected}` : visibleRows[0].key;
  for (const r of visibleRows) {
    const sel = r.key === S.treeCursor;
    r.row.classList.toggle('selected', sel);
    r.row.parentElement.setAttribute('aria-selected', String(sel));
  }
}

function setTreeCursor(key) {
  S.treeCursor = key;
  for (const r of visibleRows) r.row.classList.toggle('selected', r.key === key);
  const r = visibleRows.find((x) => x.key === key);
  if (r) r.row.scrollIntoView({ block: 'nearest' });
}

function activateRow(key, focusDetail) {
  if (key.startsWith('a:')) {
    selectAsset(key.slice(2));
    if (focusDetail) setPane('detail');
  } else {
    const path = key.slice(2);
    if (S.expanded.has(path)) S.expanded.delete(path); else S.expanded.add(path);
    S.dirty.tree = true;
    schedule();
  }
}

function selectAsset(uuid, noHistory) {
  if (!S.assets.has(uuid)) return false;
  if (S.selected && S.selected !== uuid && !noHistory) S.back.push(S.selected);
  if (S.back.length > 50) S.back.shift();
  if (S.selected !== uuid) {
    S.selected = uuid;
    S.trends = new Map();
    S.trendAttr = null;
    S.attrCursor = null;
    requestHistory(uuid);
  }
  // Make it visible in the tree.
  const a = S.assets.get(uuid);
  if (a.uns_id) {
    let p = '';
    for (const part of a.uns_id.split('/')) { p = p ? `${p}/${part}` : part; S.expanded.add(p); }
  } else {
    S.expanded.add('(unmapped)');
  }
  S.treeCursor = `a:${uuid}`;
  S.dirty.tree = S.dirty.detail = true;
  schedule();
  return true;
}

// ---- detail ----

let attrRows = new Map(); // id -> { tr, value, age, spark }

function renderDetail(full) {
  const a = S.selected && S.assets.get(S.selected);
  $('detail-empty').hidden = !!a;
  $('detail').hidden = !a;
  if (!a) {
    $('detail-empty').textContent = S.selected ? `${S.selected} is no longer in view.` : 'Select an asset in the tree (arrows, Enter).';
    return;
  }
  const st = effectiveState(a);
  $('asset-state').replaceWith(Object.assign(stateMark(st), { id: 'asset-state' }));
  $('asset-uuid').textContent = a.uuid;
  $('asset-stale').hidden = !isStale(a.uuid);
  $('asset-uns').textContent = a.uns_id || '(unmapped)';
  $('asset-type').textContent = a.asset_type || 'unknown';
  $('asset-avail').textContent = a.availability || 'unknown';
  $('asset-helpers').replaceChildren(...(a.helpers.length ? a.helpers.map((h, i) => {
    const s = el('span', 'mono', (i ? ', ' : '') + h);
    return s;
  }) : [el('span', 'dim', 'none')]));
  if (a.device) $('asset-helpers').replaceChildren(el('span', 'dim', 'helper of '), el('span', 'mono', a.device));

  const f = filterText();
  const nameMatch = !f || assetMatchesName(a, f);
  const attrs = [...a.attrs.values()].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  const plain = attrs.filter((at) => !at.condition && !at.method && (nameMatch || attrMatches(at, f)));
  const conds = attrs.filter((at) => at.condition);
  const methods = attrs.filter((at) => at.method);
  const ids = plain.map((at) => at.id).join('\u0000');
  if (full || ids !== renderDetail.ids) {
    renderDetail.ids = ids;
    const tbody = el('tbody');
    attrRows = new Map();
    for (const at of plain) {
      const tr = el('tr');
      tr.dataset.attr = at.id;
      const value = el('td', 'value');
      const age = el('td', 'age');
      const trendTd = el('td');
      let spark = null;
      if (at.type === 'Samples') {
        spark = el('canvas', 'spark');
        trendTd.append(spark);
      }
      const idTd = el('td', 'mono', at.id);
      idTd.title = at.id;
      const tagTd = el('td', 'tag', tagLocal(at.tag));
      tagTd.title = at.tag || '';
      tr.append(idTd, value, age, trendTd, el('td', 'type', at.type), tagTd);
      tr.addEventListener('click', () => { S.attrCursor = at.id; if (at.type === 'Samples') S.trendAttr = at.id; setPane('detail'); S.dirty.detail = true; schedule(); });
      tbody.append(tr);
      attrRows.set(at.id, { tr, value, age, spark });
    }
    $('attrs').querySelector('tbody').replaceWith(tbody);
    S.dirty.changed = new Set(plain.map((at) => at.id));
  }
  $('attr-count').textContent = `${plain.length}${plain.length !== a.attrs.size - conds.length - methods.length ? ' shown' : ''}`;
  for (const at of plain) {
    const r = attrRows.get(at.id);
    if (!r) continue;
    if (S.dirty.changed.has(at.id)) {
      r.value.textContent = valueText(at.value);
      r.value.title = valueText(at.value);
      r.value.className = `value${at.value === null ? ' null' : at.value === 'UNAVAILABLE' ? ' unavail' : ''}`;
      if (!full) { r.tr.classList.remove('changed'); void r.tr.offsetWidth; r.tr.classList.add('changed'); }
      if (r.spark) sparkline(r.spark, S.trends.get(at.id));
    }
    r.age.textContent = fmtAge(now() - attrTime(at));
    r.tr.classList.toggle('selected', S.pane === 'detail' && S.attrCursor === at.id);
  }
  S.dirty.changed.clear();

  const cb = el('tbody');
  for (const at of conds) {
    const level = at.condition.level;
    const tr = el('tr');
    tr.dataset.attr = at.id;
    const stTd = el('td');
    stTd.append(stateMark(level === 'fault' || level === 'warning' || level === 'unavailable' ? level : 'normal'));
    const msg = el('td', 'value', valueText(at.value));
    msg.title = valueText(at.value);
    tr.append(stTd, el('td', 'mono', at.id), msg, el('td', 'tag', tagLocal(at.tag)),
              el('td', 'age', fmtAge(now() - attrTime(at))));
    cb.append(tr);
  }
  $('conds').querySelector('tbody').replaceWith(cb);

  const ml = el('ul', 'methods');
  ml.id = 'methods';
  for (const at of methods) {
    const li = el('li');
    li.dataset.attr = at.id;
    const args = at.method.arguments || [];
    li.append(el('span', 'mname', `${at.id}(${args.map((x) => x.name).join(', ')})`));
    if (at.method.description) li.append(el('span', 'args', ` — ${at.method.description}`));
    if (at.method.legacy) li.append(el('span', 'legacy', ' (legacy advertisement)'));
    for (const arg of args) li.append(el('span', 'arg', `${arg.name}: ${arg.description || ''}`));
    li.append(cmds.methodButton(a.uuid, at));
    ml.append(li);
  }
  if (!methods.length) ml.append(el('li', 'dim', 'none advertised'));
  $('methods').replaceWith(ml);

  const trendId = S.trendAttr && a.attrs.has(S.trendAttr) ? S.trendAttr : null;
  $('trend-box').hidden = !trendId;
  if (trendId) {
    $('trend-name').textContent = trendId;
    const r = trendChart($('trend'), S.trends.get(trendId), fmtTime);
    $('trend-range').textContent = r ? `${(S.trends.get(trendId) || []).length} points, ${fmtTime(r.t0)}–${fmtTime(r.t1)} ${S.utc ? 'UTC' : 'local'}` : '';
  }
}

// ---- alarms ----

function currentAlarms() {
  const f = filterText();
  return S.alarms.alarms.filter((al) => !f || alarmMatches(al, f));
}

function alarmKey(al) { return `${al.asset}\u0000${al.id}\u0000${al.since}`; }

function renderAlarms() {
  const live = currentAlarms();
  const paused = S.alarmView !== null;
  const list = paused ? S.alarmView : live;
  const tbody = el('tbody');
  list.forEach((al, i) => {
    const tr = el('tr');
    tr.dataset.asset = al.asset;
    const lv = el('td');
    lv.append(stateMark(al.level === 'fault' ? 'fault' : 'warning'));
    const what = el('td');
    what.append(el('span', 'who', `${al.asset} · ${al.id}`), el('span', 'msg', valueText(al.value)));
    tr.append(lv, el('td', 'mono', fmtTime(parseTime(al.since))), what);
    tr.title = al.uns_id || '';
    tr.classList.toggle('selected', S.pane === 'alarms' && i === S.alarmCursor);
    tr.addEventListener('click', () => { S.alarmCursor = i; selectAsset(al.asset); });
    tbody.append(tr);
  });
  $('alarms').querySelector('tbody').replaceWith(tbody);
  $('alarms-empty').hidden = list.length > 0;
  const { warnings, faults } = S.alarms;
  $('alarm-counts').textContent = `${faults} fault, ${warnings} warning${S.alarms.truncated ? ' (list truncated)' : ''}`;
  if (paused) {
    const shown = new Set(S.alarmView.map(alarmKey));
    const fresh = live.filter((al) => !shown.has(alarmKey(al))).length;
    $('alarm-paused').hidden = false;
    $('alarm-paused').textContent = `paused, ${fresh} new (f follows again)`;
  } else {
    $('alarm-paused').hidden = true;
  }
  // The banner: counts and the newest alarm, whatever the filter.
  const b = $('alarm-banner');
  const all = S.alarms.alarms;
  b.hidden = all.length === 0;
  b.className = `alarm-banner ${faults ? 'fault' : 'warning'}`;
  const counts = [];
  if (faults) counts.push(`✖ ${faults} FAULT`);
  if (warnings) counts.push(`▲ ${warnings} WARN`);
  $('banner-counts').textContent = counts.join('  ');
  $('banner-newest').textContent = all.length ? `${all[0].asset} ${all[0].id}: ${valueText(all[0].value)}` : '';
}

function pauseAlarms() {
  if (S.alarmView === null) S.alarmView = currentAlarms();
}

function followAlarms() {
  S.alarmView = null;
  S.alarmCursor = 0;
  $('alarm-pane').scrollTop = 0;
  S.dirty.alarms = true;
  schedule();
}

// ---- status ----

function renderStatus() {
  const conn = $('st-conn');
  const st = S.status;
  if (!S.open) {
    conn.className = `conn ${S.ws ? 'wait' : 'bad'}`;
    conn.textContent = S.ws ? '… connecting to the dashboard server' : '✖ OFFLINE: dashboard server unreachable';
  } else if (st && st.connected === false) {
    conn.className = 'conn bad';
    conn.textContent = `✖ broker unreachable since ${fmtTime(parseTime(st.since))}`;
  } else if (st) {
    conn.className = 'conn ok';
    conn.textContent = `● broker connected since ${fmtTime(parseTime(st.since))}${st.caught_up ? '' : ' (catching up)'}`;
  } else {
    conn.className = 'conn wait';
    conn.textContent = '… waiting for status';
  }
  $('st-rate').textContent = st && st.records_per_s !== undefined ? `${Math.round(st.records_per_s)} rec/s` : '';
  $('st-lag').textContent = st && st.lag !== undefined ? `lag ${st.lag < 0 ? '?' : st.lag}` : '';
  const rej = $('st-rejected');
  if (st && st.rejected_total !== undefined) {
    rej.textContent = `rejected ${st.rejected_total}`;
    rej.title = Object.entries(st.rejected || {}).map(([k, v]) => `${k}: ${v}`).join('\n') || 'no records rejected';
    rej.className = st.rejected_total ? 'bad' : '';
  }
  $('st-clients').textContent = st && st.clients !== undefined ? `${st.clients} clients` : '';
  $('st-replica').textContent = S.replica ? `server ${S.replica}` : '';
  $('st-seq').textContent = S.seq >= 0 ? `seq ${S.seq}` : '';
  $('st-clock').textContent = `${fmtTime(now())} ${S.utc ? 'UTC' : 'local'}`;
  $('btn-clock').textContent = S.utc ? 'UTC' : 'local';
  $('scope').textContent = S.scope ? `scope: ${S.scope}` : '';
}

// ---- rendering loop ----

function schedule() {
  if (!S.frame) S.frame = requestAnimationFrame(render);
}

function render() {
  S.frame = 0;
  const d = S.dirty;
  if (d.tree || (d.treeValues && performance.now() - S.lastTreeValues > 250)) {
    renderTree();
    d.tree = d.treeValues = false;
    S.lastTreeValues = performance.now();
  } else if (d.treeValues) {
    setTimeout(schedule, 260);
  }
  if (d.detail || d.changed.size) {
    renderDetail(d.detail);
    d.detail = false;
  }
  if (d.alarms) { renderAlarms(); d.alarms = false; }
  if (d.status) { renderStatus(); d.status = false; }
}

// Ages, the clock and the offline countdown tick once a second.
setInterval(() => {
  if (S.selected) S.dirty.changed.add('\u0000tick');
  S.dirty.status = true;
  updateOfflineNotice();
  schedule();
}, 1000);

// ---- panes and keys ----

function setPane(p) {
  S.pane = p;
  for (const [name, id] of [['tree', 'tree-pane'], ['detail', 'detail-pane'], ['alarms', 'alarm-pane']])
    $(id).classList.toggle('focused', name === p);
  const target = $(p === 'tree' ? 'tree-pane' : p === 'detail' ? 'detail-pane' : 'alarm-pane');
  if (document.activeElement !== target && !(document.activeElement && document.activeElement.tagName === 'INPUT')) target.focus({ preventScroll: true });
  S.dirty.detail = S.dirty.alarms = true;
  schedule();
}

const PANES = ['tree', 'detail', 'alarms'];

function moveTree(delta) {
  if (!visibleRows.length) return;
  let i = visibleRows.findIndex((r) => r.key === S.treeCursor);
  i = Math.max(0, Math.min(visibleRows.length - 1, (i < 0 ? 0 : i) + delta));
  setTreeCursor(visibleRows[i].key);
  if (visibleRows[i].key.startsWith('a:')) selectAsset(visibleRows[i].key.slice(2));
}

function treeRight() {
  const key = S.treeCursor;
  if (!key) return;
  if (key.startsWith('n:')) {
    const path = key.slice(2);
    if (!S.expanded.has(path)) { S.expanded.add(path); S.dirty.tree = true; schedule(); } else moveTree(1);
  } else {
    activateRow(key, true);
  }
}

function treeLeft() {
  const r = visibleRows.find((x) => x.key === S.treeCursor);
  if (!r) return;
  const path = r.key.startsWith('n:') ? r.key.slice(2) : r.path;
  if (r.key.startsWith('n:') && S.expanded.has(path)) {
    S.expanded.delete(path);
  } else {
    const parent = r.key.startsWith('n:') ? path.split('/').slice(0, -1).join('/') : path;
    const target = visibleRows.find((x) => x.key === `n:${parent}`);
    if (target) S.treeCursor = target.key;
    else if (parent) S.expanded.delete(parent);
  }
  S.dirty.tree = true;
  schedule();
}

function moveDetail(delta) {
  const ids = [...attrRows.keys()];
  if (!ids.length) return;
  let i = ids.indexOf(S.attrCursor);
  i = Math.max(0, Math.min(ids.length - 1, (i < 0 ? 0 : i) + delta));
  S.attrCursor = ids[i];
  attrRows.get(ids[i]).tr.scrollIntoView({ block: 'nearest' });
  S.dirty.detail = true;
  schedule();
}

function moveAlarms(delta) {
  const n = (S.alarmView || currentAlarms()).length;
  if (!n) return;
  S.alarmCursor = Math.max(0, Math.min(n - 1, S.alarmCursor + delta));
  if (S.alarmCursor > 0) pauseAlarms(); else if (delta < 0) followAlarms();
  S.dirty.alarms = true;
  schedule();
  requestAnimationFrame(() => {
    const tr = $('alarms').querySelectorAll('tbody tr')[S.alarmCursor];
    if (tr) tr.scrollIntoView({ block: 'nearest' });
  });
}

function enter() {
  if (S.pane === 'tree' && S.treeCursor) activateRow(S.treeCursor, true);
  else if (S.pane === 'detail' && S.attrCursor) {
    const a = S.assets.get(S.selected);
    const at = a && a.attrs.get(S.attrCursor);
    if (at && at.type === 'Samples') { S.trendAttr = at.id; S.dirty.detail = true; schedule(); }
  } else if (S.pane === 'alarms') {
    const al = (S.alarmView || currentAlarms())[S.alarmCursor];
    if (al && selectAsset(al.asset)) setPane('detail');
  }
}

function move(delta) {
  if (S.pane === 'tree') moveTree(delta);
  else if (S.pane === 'detail') moveDetail(delta);
  else moveAlarms(delta);
}

function goBack() {
  const prev = S.back.pop();
  if (prev) selectAsset(prev, true);
}

function setTheme(theme) {
  document.documentElement.dataset.theme = theme;
  localStorage.setItem('ofc.theme', theme);
  S.dirty.detail = true;
  schedule();
}

function toggleClock() {
  S.utc = !S.utc;
  localStorage.setItem('ofc.utc', S.utc ? 'utc' : 'local');
  markAll();
}

function openHelp() { if (!$('help').open) $('help').showModal(); }

function subscribe(path) {
  S.scope = path.replace(/\/+$/, '');
  sessionStorage.setItem('ofc.scope', S.scope);
  S.seq = -1;
  send({ type: 'subscribe', uns: S.scope });
  S.dirty.status = true;
  schedule();
}

function runCommand(line) {
  const [cmd, ...rest] = line.trim().split(/\s+/);
  const arg = rest.join(' ');
  switch (cmd) {
    case 'asset': if (!selectAsset(arg)) notice(`no asset ${arg}`, 4000); else setPane('detail'); break;
    case 'uns': {
      const a = [...S.assets.values()].find((x) => x.uns_id === arg || (x.uns_id || '').startsWith(`${arg}/`));
      if (a) selectAsset(a.uuid); else notice(`nothing under ${arg}`, 4000);
      break;
    }
    case 'scope': subscribe(arg); break;
    case 'alarms': setPane('alarms'); break;
    case 'save': exportCsv(S.pane === 'alarms' ? 'alarms' : 'attrs'); break;
    case 'theme': setTheme(document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark'); break;
    case 'call': cmds.openCall(S.selected, arg); break;
    case 'audit': cmds.openAudit(arg); break;
    case 'key': cmds.openKeys(); break;
    case '': break;
    default: notice(`unknown command :${cmd} (try :asset :uns :scope :alarms :save :call :audit :key)`, 5000);
  }
}

function openCmd() {
  $('cmdline').hidden = false;
  $('cmd').value = '';
  $('cmd').focus();
}

function onKey(ev) {
  const t = ev.target;
  if ($('login').open || $('help').open || cmds.isOpen()) return;
  if (t === $('filter')) {
    if (ev.key === 'Escape') { $('filter').value = ''; setFilter(''); $('filter').blur(); setPane(S.pane); ev.preventDefault(); }
    else if (ev.key === 'Enter' || ev.key === 'ArrowDown') { $('filter').blur(); setPane('tree'); ev.preventDefault(); }
    return;
  }
  if (t === $('cmd')) {
    if (ev.key === 'Escape') { $('cmdline').hidden = true; setPane(S.pane); ev.preventDefault(); }
    else if (ev.key === 'Enter') { $('cmdline').hidden = true; runCommand($('cmd').value); setPane(S.pane); ev.preventDefault(); }
    return;
  }
  if (t && t.tagName === 'INPUT') return;
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const k = ev.key;
  let handled = true;
  switch (k) {
    case '/': $('filter').focus(); $('filter').select(); break;
    case '?': openHelp(); break;
    case ':': openCmd(); break;
    case 'Escape': if (S.filter) { $('filter').value = ''; setFilter(''); } break;
    case 'ArrowDown': case 'j': move(1); break;
    case 'ArrowUp': case 'k': move(-1); break;
    case 'PageDown': move(10); break;
    case 'PageUp': move(-10); break;
    case 'Home': move(-1e9); break;
    case 'End': move(1e9); break;
    case 'ArrowRight': case 'l':
      if (S.pane === 'tree') treeRight(); else if (S.pane === 'alarms') enter(); else enter();
      break;
    case 'ArrowLeft': case 'h':
      if (S.pane === 'tree') treeLeft(); else setPane('tree');
      break;
    case 'Enter': enter(); break;
    case 'Tab': {
      const i = PANES.indexOf(S.pane);
      setPane(PANES[(i + (ev.shiftKey ? PANES.length - 1 : 1)) % PANES.length]);
      break;
    }
    case '-': goBack(); break;
    case 'a': setPane('alarms'); break;
    case 'f': followAlarms(); break;
    case 't': toggleClock(); break;
    case 'T': setTheme(document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark'); break;
    case 'A': cmds.openAudit(''); break;
    case 'K': cmds.openKeys(); break;
    case 'x': if (S.selected) cmds.pickMethod(S.selected); else handled = false; break;
    default: handled = false;
  }
  if (handled) ev.preventDefault();
}

function setFilter(text) {
  S.filter = text;
  S.dirty.tree = S.dirty.detail = S.dirty.alarms = true;
  schedule();
}

// ---- CSV export ----

function csvCell(v) {
  let s = v === null || v === undefined ? '' : String(v);
  // A spreadsheet would run a cell that starts like a formula: neutralise it (numbers excepted).
  if (/^[=+\-@\t\r]/.test(s) && !/^[+-]?\d/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function download(name, rows) {
  const text = rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
  const a = el('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function exportCsv(which) {
  const stamp = new Date(now()).toISOString().replace(/[:.]/g, '-');
  if (which === 'alarms') {
    const rows = [['level', 'since', 'asset', 'uns_id', 'condition', 'message', 'severity']];
    for (const al of S.alarmView || currentAlarms())
      rows.push([al.level, al.since, al.asset, al.uns_id, al.id, valueText(al.value), al.severity]);
    download(`alarms-${stamp}.csv`, rows);
    return;
  }
  const a = S.selected && S.assets.get(S.selected);
  if (!a) { notice('select an asset first', 3000); return; }
  const rows = [['asset', 'id', 'value', 'type', 'tag', 'timestamp', 'received']];
  for (const id of attrRows.keys()) {
    const at = a.attrs.get(id);
    if (at) rows.push([a.uuid, at.id, valueText(at.value), at.type, at.tag, at.timestamp, at.received]);
  }
  download(`${a.uuid}-${stamp}.csv`, rows);
}

// ---- login ----

function showLogin(message) {
  const d = $('login');
  $('login-error').textContent = message || '';
  if (!d.open) d.showModal();
  $('login-token').focus();
}

async function login(token) {
  const r = await fetch('/login', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  if (r.ok) return true;
  let why = `login failed (${r.status})`;
  try { why = (await r.json()).error || why; } catch (e) { /* keep the status */ }
  showLogin(why);
  return false;
}

// A token in the URL fragment (never sent to the server, removed from the address bar at once)
// logs in: that is how `scripts/demo` hands out its link.
async function tokenFromUrl() {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!m) return false;
  history.replaceState(null, '', location.pathname + location.search);
  return login(decodeURIComponent(m[1])).catch(() => false);
}

async function start() {
  await tokenFromUrl();
  try {
    const r = await fetch('/session', { credentials: 'same-origin', cache: 'no-store' });
    if (r.status === 401) { showLogin(); return; }
    if (!r.ok) throw new Error(String(r.status));
  } catch (e) {
    scheduleReconnect(false);
    return;
  }
  connect();
}

// ---- wiring ----

function wire() {
  const theme = localStorage.getItem('ofc.theme') ||
    (window.matchMedia && window.matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark');
  document.documentElement.dataset.theme = theme;
  document.addEventListener('keydown', onKey);
  $('filter').addEventListener('input', () => setFilter($('filter').value));
  $('btn-theme').addEventListener('click', () => setTheme(document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark'));
  $('btn-clock').addEventListener('click', toggleClock);
  $('btn-help').addEventListener('click', openHelp);
  $('alarm-banner').addEventListener('click', () => { followAlarms(); setPane('alarms'); });
  $('btn-csv-attrs').addEventListener('click', () => exportCsv('attrs'));
  $('btn-csv-alarms').addEventListener('click', () => exportCsv('alarms'));
  $('btn-logout').addEventListener('click', async () => {
    await fetch('/logout', { method: 'POST', credentials: 'same-origin' }).catch(() => {});
    if (S.ws) S.ws.close(1000, 'logged out');
    showLogin('logged out');
  });
  $('alarm-pane').addEventListener('scroll', () => {
    if ($('alarm-pane').scrollTop > 0) { pauseAlarms(); S.dirty.alarms = true; schedule(); }
  });
  for (const [name, id] of [['tree', 'tree-pane'], ['detail', 'detail-pane'], ['alarms', 'alarm-pane']])
    $(id).addEventListener('focus', () => { if (S.pane !== name) setPane(name); });
  $('login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const token = $('login-token').value.trim();
    $('login-token').value = '';
    if (token && await login(token).catch(() => { showLogin('the server does not answer'); return false; })) {
      $('login').close();
      connect();
    }
  });
  $('login').addEventListener('cancel', (ev) => ev.preventDefault());
  window.addEventListener('hashchange', async () => {
    if (await tokenFromUrl()) {
      if ($('login').open) $('login').close();
      if (!S.ws) connect();
    }
  });
  setPane('tree');
  markAll();
}

wire();
cmds.init({
  send,
  notice,
  asset: (uuid) => S.assets.get(uuid),
  selected: () => S.selected,
  fmtTime,
  valueText,
  selectAsset: (uuid) => { if (selectAsset(uuid)) setPane('detail'); },
  connected: () => S.open,
  rerender: () => { S.dirty.detail = true; schedule(); },
});
start();
