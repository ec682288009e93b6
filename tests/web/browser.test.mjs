// browser.test.mjs: the dashboard in a real browser. Debian's chromium, headless, driven by
// playwright-core (executablePath: no browser is ever downloaded), against `ofc broker`,
// `ofc sim` and `ofc web` running as processes on loopback. Run by ctest (web_browser) with
// OFC_BINARY set; exits non-zero on the first failed check.
//
// Asserts: without a credential the page asks for a token and its WebSocket is refused; a page
// from a foreign origin cannot open the WebSocket; a token in the URL fragment logs in (and is
// removed from the URL) with an HttpOnly SameSite=Strict cookie; the tree shows the sim's
// assets under their UNS paths; a value changes in the page when the sim changes it; an alarm
// raised on the wire shows in the banner and the list; the filter narrows the tree; an asset
// named <img src=x onerror=alert(1)> and HTML in values appear as text and no script runs; the
// keys work; CSV export downloads the table; a broker outage marks the plant stale and is
// shown, then recovers; with the server gone the page says it is offline
// and comes back by itself when a server with the same secret returns (no new login); over TLS
// the page, the cookie (Secure, __Host-) and the WebSocket (wss) work; a seq gap makes the page
// ask for a resync and a "behind" snapshot is announced (against a scripted fake server).

import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, FLAGS, LONG, OFC, children, firstLine, run, sleep, start, startWeb as harnessStartWeb, step, stop } from './harness.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const STATIC = path.resolve(HERE, '../../static');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ofc-web-browser-'));
let failed = false;

const startWeb = (boot, extra, port = 0) => harnessStartWeb(dir, boot, extra, port);

async function metric(port, token, name) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/metrics', headers: { Authorization: `Bearer ${token}` } }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => {
        const line = body.split('\n').find((l) => l.startsWith(`${name} `));
        resolve(line ? Number(line.slice(name.length + 1)) : NaN);
      });
    }).on('error', reject);
  });
}

function record(key, id, type, tag, value) {
  const v = { ID: id, VALUE: value, TYPE: type, TAG: tag, attributes: { timestamp: new Date().toISOString() } };
  return { key, value: JSON.stringify(v) };
}

function produce(boot, recs) {
  for (const r of recs)
    run(['kcat', '-P', '-b', boot, '-t', 'ofa_assets', '-k', r.key], r.value);
}

// ---- a scripted ofc-live.v1 server, to drive the page through what a real one rarely does ----

function wsFrame(text) {
  const payload = Buffer.from(text);
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x81, n])
    : n < 65536 ? Buffer.from([0x81, 126, n >> 8, n & 255])
      : Buffer.concat([Buffer.from([0x81, 127, 0, 0, 0, 0]), Buffer.from([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255])]);
  return Buffer.concat([head, payload]);
}

function parseClientFrames(buf, out) {
  while (buf.length >= 6) {
    let n = buf[1] & 127, off = 2;
    if (n === 126) { n = buf.readUInt16BE(2); off = 4; }
    if (buf.length < off + 4 + n) break;
    const mask = buf.subarray(off, off + 4);
    const data = Buffer.from(buf.subarray(off + 4, off + 4 + n));
    for (let i = 0; i < n; i++) data[i] ^= mask[i & 3];
    if ((buf[0] & 15) === 1) out.push(JSON.parse(data.toString()));
    buf = buf.subarray(off + 4 + n);
  }
  return buf;
}

function fakeServer(script) {
  const received = [];
  const server = http.createServer((req, res) => {
    const headers = { 'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'" };
    if (req.url === '/session') {
      res.writeHead(200, { ...headers, 'Content-Type': 'application/json' });
      res.end('{"user":"fake","role":"viewer","auth":false}');
      return;
    }
    const file = req.url === '/' ? 'index.html' : req.url.slice(1);
    const types = { html: 'text/html', js: 'text/javascript', css: 'text/css' };
    if (!/^[a-z]+\.(html|js|css)$/.test(file) || !fs.existsSync(path.join(STATIC, file))) {
      res.writeHead(404, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': types[file.split('.')[1]] });
    res.end(fs.readFileSync(path.join(STATIC, file)));
  });
  server.on('upgrade', (req, socket) => {
    const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: ofc-live.v1\r\n\r\n`);
    let buf = Buffer.alloc(0);
    socket.on('error', () => {});
    socket.on('data', (d) => {
      const before = received.length;
      buf = parseClientFrames(Buffer.concat([buf, d]), received);
      for (const m of received.slice(before)) script.onMessage(m, (obj) => socket.write(wsFrame(JSON.stringify(obj))));
    });
    script.onOpen((obj) => socket.write(wsFrame(JSON.stringify(obj))));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: server.address().port, received })));
}

function fakeSnapshot(seq, reason, value) {
  return {
    type: 'snapshot', seq, reason, uns: '', snapshot: {
      format: 'ofconsole-snapshot/1', generated_at: new Date().toISOString(), complete: true,
      positions: [{ topic: 'ofa_assets', partition: 0, next_offset: 100 }],
      status: { connected: true, records: 1, lag: 0, rejected: {} },
      assets: [{
        uuid: 'FAKE-1', asset_type: 'Device', availability: 'AVAILABLE', registration: 'deployed', state: 'normal',
        uns_id: 'Plant/Fake/fake-1', uns_levels: null, device: null, helpers: [],
        attributes: [{ id: 'temp', type: 'Samples', tag: 'Temperature', value, timestamp: new Date().toISOString(),
          received: new Date().toISOString(), kafka: { source: 'stream', partition: 0, offset: 1, timestamp: null }, updates: 1 }],
      }],
      uns: null,
    },
  };
}

// ---- the test ----

let browser;
try {
  const broker = start(['broker', '--bootstrap-file', `${dir}/boot`], 'ofc broker');
  await firstLine(broker);
  const boot = fs.readFileSync(`${dir}/boot`, 'utf8').trim();
  const token = run([OFC, 'web', '--add-user', 'op', '--role', 'operator', '--users', `${dir}/users`]).trim();
  assert.match(token, /^ofc_[A-Za-z0-9_-]{43}$/);
  let { web, port } = await startWeb(boot, []);
  const sim = start(['sim', '-b', boot, '--assets', '12', '--rate', '100', '--seed', '3',
    '--truth-file', `${dir}/truth.json`], 'ofc sim');
  const base = `http://127.0.0.1:${port}`;

  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const dialogs = [];
  const pageErrors = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  page.on('pageerror', (e) => pageErrors.push(e.message));

  await step('without a credential the page asks for a token and its WebSocket is refused', async () => {
    const refused0 = await metric(port, token, 'ofc_web_refused_total{reason="auth"}');
    const resp = await page.goto(`${base}/`);
    const csp = resp.headers()['content-security-policy'];
    assert.ok(csp && csp.includes("script-src 'self'") && !csp.includes('unsafe-inline'), csp);
    assert.equal(resp.headers()['x-content-type-options'], 'nosniff');
    await page.waitForSelector('#login[open]', { timeout: LONG });
    const outcome = await page.evaluate(() => new Promise((resolve) => {
      const ws = new WebSocket(`ws://${location.host}/live`, 'ofc-live.v1');
      ws.onopen = () => resolve('open');
      ws.onclose = () => resolve('closed');
    }));
    assert.equal(outcome, 'closed');
    assert.ok(await metric(port, token, 'ofc_web_refused_total{reason="auth"}') > refused0);
  });

  await step('a token in the URL fragment logs in, and leaves the URL', async () => {
    await page.goto(`${base}/#token=${token}`);
    await page.waitForSelector('#tree [data-uuid="CNC-001"]', { timeout: LONG });
    assert.equal(await page.evaluate(() => location.hash), '');
    assert.equal(await page.evaluate(() => document.getElementById('login').open), false);
    const cookie = (await context.cookies()).find((c) => c.name === 'ofc_session');
    assert.ok(cookie, 'no session cookie');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(await page.evaluate(() => document.cookie.includes('ofc_session')), false);
    assert.match(await page.textContent('#who'), /^op \(operator\)$/);
  });

  await step('the tree shows the sim\'s assets under their UNS paths', async () => {
    await sleep(2500); // the truth file is rewritten every 2 s
    const truth = JSON.parse(fs.readFileSync(`${dir}/truth.json`, 'utf8'));
    const devices = truth.assets.filter((a) => a.uns_id);
    assert.ok(devices.length >= 12);
    for (const a of devices)
      await page.waitForSelector(`#tree [data-uuid="${a.uuid}"]`, { timeout: LONG });
    for (const a of devices.slice(0, 3)) {
      const p = await page.getAttribute(`#tree [data-uuid="${a.uuid}"]`, 'data-path');
      assert.equal(p, a.uns_id);
    }
    assert.ok(await page.isVisible('#tree [data-path="Demofactory"]'));
    assert.match(await page.textContent('#st-conn'), /broker connected/);
  });

  await step('a value changes in the page when the sim changes it', async () => {
    await page.click('#tree [data-uuid="CNC-001"]');
    await page.waitForFunction(() => document.getElementById('asset-uuid').textContent === 'CNC-001');
    const cell = '#attrs tr[data-attr="Xact"] td.value';
    await page.waitForSelector(cell, { timeout: LONG });
    const first = await page.textContent(cell);
    await page.waitForFunction(([sel, v]) => document.querySelector(sel)?.textContent !== v,
      [cell, first], { timeout: LONG });
    await page.waitForFunction(() => document.querySelectorAll('#attrs canvas.spark').length > 0);
  });

  await step('an alarm raised on the wire shows in the banner and the list, as text', async () => {
    produce(boot, [record('CNC-002', 'grbl', 'Condition', '{urn:mtconnect.org:MTConnectStreams:2.2}Fault',
      'Hard limit <b>test</b>')]);
    await page.waitForFunction(() => [...document.querySelectorAll('#alarms tbody tr')]
      .some((tr) => tr.textContent.includes('Hard limit <b>test</b>')), null, { timeout: LONG });
    assert.ok(await page.isVisible('#alarm-banner'));
    assert.match(await page.textContent('#banner-counts'), /FAULT/);
    assert.equal(await page.locator('#alarms b').count(), 0);
  });

  await step('the filter narrows the tree, Esc clears it', async () => {
    await page.focus('#tree-pane');
    await page.keyboard.press('/');
    await page.keyboard.type('barcode');
    await page.waitForFunction(() => !document.querySelector('#tree [data-uuid="CNC-001"]'), null, { timeout: LONG });
    const uuids = await page.$$eval('#tree [data-uuid]', (rows) => rows.map((r) => r.dataset.uuid));
    assert.ok(uuids.length >= 1);
    assert.ok(uuids.every((u) => u.includes('BARCODE')), uuids.join());
    await page.keyboard.press('Escape');
    await page.waitForSelector('#tree [data-uuid="CNC-001"]', { timeout: LONG });
  });

  await step('an asset named <img src=x onerror=alert(1)> is text, and nothing runs', async () => {
    const evil = '<img src=x onerror=alert(1)>';
    produce(boot, [record(evil, 'avail', 'Events', 'Availability', 'AVAILABLE'),
      record(evil, '<b onmouseover=alert(2)>x</b>', 'Events', 'Message', '<script>alert(3)</script><img src=y onerror=alert(4)>')]);
    const row = `#tree [data-uuid="${evil.replace(/"/g, '\\"')}"]`;
    await page.waitForSelector(row, { timeout: LONG });
    assert.ok((await page.textContent(row)).includes(evil));
    await page.click(row);
    await page.waitForFunction((e) => document.getElementById('asset-uuid').textContent === e, evil, { timeout: LONG });
    await page.waitForFunction(() => document.querySelector('#attrs').textContent.includes('<script>alert(3)</script>'), null, { timeout: LONG });
    await sleep(500);
    assert.equal(await page.locator('#tree img, #detail img, #alarms img, script:not([src])').count(), 0);
    assert.deepEqual(dialogs, []);
    await page.keyboard.press('-'); // back to CNC-001
    await page.waitForFunction(() => document.getElementById('asset-uuid').textContent === 'CNC-001');
  });

  await step('keys: ? help, t clock, T theme, Tab panes', async () => {
    await page.focus('#tree-pane');
    await page.keyboard.press('?');
    await page.waitForSelector('#help[open]');
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.getElementById('help').open);
    const clock = await page.textContent('#btn-clock');
    await page.keyboard.press('t');
    await page.waitForFunction((c) => document.getElementById('btn-clock').textContent !== c, clock);
    const theme = await page.evaluate(() => document.documentElement.dataset.theme);
    await page.keyboard.press('Shift+T');
    await page.waitForFunction((t) => document.documentElement.dataset.theme !== t, theme);
    await page.keyboard.press('Tab');
    await page.waitForFunction(() => document.getElementById('detail-pane').classList.contains('focused'));
    await page.keyboard.press('Tab');
    await page.waitForFunction(() => document.getElementById('alarm-pane').classList.contains('focused'));
  });

  await step('CSV export downloads the attribute table', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#btn-csv-attrs')]);
    const text = fs.readFileSync(await download.path(), 'utf8');
    assert.match(text.split('\r\n')[0], /^asset,id,value,type,tag,timestamp,received$/);
    assert.ok(text.includes('CNC-001,Xact,'));
  });

  await step('a page from another origin cannot open the WebSocket, even with the cookie', async () => {
    // Another port of the same host is another origin but the same site, so the browser sends
    // the SameSite=Strict session cookie along: only the Origin check stands in the way.
    const evil = http.createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<!doctype html><title>elsewhere</title>');
    });
    await new Promise((r) => evil.listen(0, '127.0.0.1', r));
    const refused0 = await metric(port, token, 'ofc_web_refused_total{reason="origin"}');
    const other = await context.newPage();
    await other.goto(`http://127.0.0.1:${evil.address().port}/`);
    const outcome = await other.evaluate((p) => new Promise((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${p}/live`, 'ofc-live.v1');
      ws.onopen = () => resolve('open');
      ws.onclose = () => resolve('closed');
    }), port);
    assert.equal(outcome, 'closed');
    assert.ok(await metric(port, token, 'ofc_web_refused_total{reason="origin"}') > refused0);
    await other.close();
    evil.close();
  });

  await step('broker outage: the page marks the plant stale and says so, then recovers', async () => {
    broker.kill('SIGUSR1'); // ofc broker: every broker down, connections refused
    await page.waitForFunction(() => /broker unreachable/.test(document.getElementById('st-conn').textContent),
      null, { timeout: LONG });
    await page.waitForSelector('#tree .glyph.st-stale', { timeout: LONG });
    assert.ok(await page.isVisible('#tree [data-uuid="CNC-001"]')); // the last known plant stays
    broker.kill('SIGUSR2');
    await page.waitForFunction(() => /broker connected/.test(document.getElementById('st-conn').textContent),
      null, { timeout: LONG });
    await page.waitForFunction(() => !document.querySelector('#tree .glyph.st-stale'), null, { timeout: LONG });
  });

  await step('server gone: the page says it is offline, then comes back by itself', async () => {
    await stop(web);
    await page.waitForFunction(() => !document.getElementById('notice').hidden &&
      document.getElementById('notice').textContent.includes('Offline'), null, { timeout: LONG });
    assert.match(await page.textContent('#st-conn'), /OFFLINE|connecting/);
    assert.ok(await page.isVisible('#tree [data-uuid="CNC-001"]')); // the last known plant stays
    ({ web } = await startWeb(boot, [], port)); // same port, same secret: a replica
    await page.waitForFunction(() => document.getElementById('notice').hidden, null, { timeout: LONG });
    await page.waitForFunction(() => /broker connected/.test(document.getElementById('st-conn').textContent), null, { timeout: LONG });
    assert.equal(await page.evaluate(() => document.getElementById('login').open), false);
    await page.waitForSelector('#tree [data-uuid="CNC-001"]', { timeout: LONG });
  });

  await step('TLS: https page, Secure __Host- cookie, wss WebSocket', async () => {
    spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`, '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    fs.chmodSync(`${dir}/key.pem`, 0o600);
    const tls = await startWeb(boot, ['--cert', `${dir}/cert.pem`, '--key', `${dir}/key.pem`]);
    const ctx = await browser.newContext({ ignoreHTTPSErrors: true });
    const p = await ctx.newPage();
    const resp = await p.goto(`https://127.0.0.1:${tls.port}/#token=${token}`);
    assert.ok(resp.headers()['strict-transport-security']);
    await p.waitForSelector('#tree [data-uuid="CNC-001"]', { timeout: LONG });
    const cookie = (await ctx.cookies()).find((c) => c.name === '__Host-ofc_session');
    assert.ok(cookie && cookie.secure && cookie.httpOnly, JSON.stringify(await ctx.cookies()));
    await ctx.close();
    await stop(tls.web);
  });

  await step('a seq gap asks for a resync; a "behind" snapshot is announced', async () => {
    let send;
    const fake = await fakeServer({
      onOpen: (s) => {
        send = s;
        s({ type: 'hello', protocol: 'ofc-live.v1', user: 'fake', role: 'viewer', auth: false, replica: 'fake' });
        s(fakeSnapshot(5, 'connect', 20.5));
        s({ type: 'delta', seq: 7, time: new Date().toISOString(), assets: [], attributes: [] }); // 6 is missing
      },
      onMessage: (m, s) => { if (m.type === 'resync') s(fakeSnapshot(7, 'resync', 21.5)); },
    });
    const p = await context.newPage();
    await p.goto(`http://127.0.0.1:${fake.port}/`);
    await p.waitForSelector('#tree [data-uuid="FAKE-1"]', { timeout: LONG });
    for (let i = 0; i < 100 && !fake.received.some((m) => m.type === 'resync'); i++) await sleep(100);
    assert.ok(fake.received.some((m) => m.type === 'resync'), JSON.stringify(fake.received));
    send(fakeSnapshot(9, 'behind', 22.5));
    await p.waitForFunction(() => document.getElementById('notice').textContent.includes('fell behind'), null, { timeout: LONG });
    await p.close();
    fake.server.close();
  });

  await step('no script errors in the page', async () => {
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(dialogs, []);
  });

  await stop(sim);
  await stop(web);
} catch (e) {
  failed = true;
  if (!String(e.stack).includes('FAIL')) console.log(`FAIL: ${e.stack || e}`);
} finally {
  if (browser) await browser.close().catch(() => {});
  await Promise.all([...children].map(stop));
  fs.rmSync(dir, { recursive: true, force: true });
}
console.log(failed ? 'browser test: FAILED' : 'browser test: all passed');
process.exit(failed ? 1 : 0);
