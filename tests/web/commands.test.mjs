// commands.test.mjs: signed commands from the browser, end to end. Debian's chromium, headless,
// driven by playwright-core, against `ofc broker`, `ofc sim --trust` (the verifying reference
// executor) and `ofc web --trust` on loopback. Run by ctest (web_browser_commands) with
// OFC_BINARY set; exits non-zero on the first failed check.
//
// Asserts: a viewer, a server without a trust store, and an operator without a key are each
// read-only and the page says why; the page enrolls a key (WebCrypto Ed25519, not extractable,
// kept in IndexedDB across reloads) and shows its trust-store line with the key id the core
// derives (checked with Python's BLAKE2b), and that the server does not trust it yet; once the
// test appends that line, the trust stores of the server and the sim are read again (no
// restart) and the page says the key is trusted; the review says whether the policy allows it; the method's form, the review showing the
// exact record and what it affects, Enter not sending, `y` sending; the states SENT (with
// partition and offset) then EXECUTED, the sim's truth changed, the record on Kafka byte for byte
// the one reviewed; a command outside the key's policy REFUSED by the server with
// policy_denied; WebSocket messages with a tampered argument, a mangled signature, a replayed
// record, and from a viewer, refused with their reasons; a tampered record produced straight to
// Kafka REJECTED by the sim (bad_signature); the audit view's statuses, filter and NDJSON export
// (its records verified again by `ofc verify --stdin`); a command nobody executes goes SENT,
// ECHOED, TIMEOUT; with the broker down a command ends FAILED and is never shown SENT; an
// `ofc keygen --no-passphrase` key file is imported (non-extractable), an encrypted one refused.

import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CHROMIUM, FLAGS, LONG, OFC, children, firstLine, run, sleep, start, startWeb as harnessStartWeb, step, stop } from './harness.mjs';

const TARGET = 'TEMP-CTRL-001';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ofc-web-commands-'));
let failed = false;

// OFC_SCREENSHOTS=DIR keeps pictures of the key dialog, the review, the commands and the audit.
async function shot(page, name) {
  if (process.env.OFC_SCREENSHOTS) await page.screenshot({ path: path.join(process.env.OFC_SCREENSHOTS, `${name}.png`) });
}

const startWeb = (boot, extra) => harnessStartWeb(dir, boot, extra);

async function truth() {
  return JSON.parse(fs.readFileSync(`${dir}/truth.json`, 'utf8'));
}

function truthValue(t, uuid, id) {
  const a = t.assets.find((x) => x.uuid === uuid);
  const at = a && a.attributes.find((x) => x.id === id);
  return at ? at.value : undefined;
}

// Every record on ofa_assets with its key (kcat), for what was really produced.
function kafkaRecords(boot) {
  const out = run(['kcat', '-C', '-b', boot, '-t', 'ofa_assets', '-e', '-o', 'beginning', '-q', '-K', '\t']);
  return out.split('\n').filter(Boolean).map((l) => { const i = l.indexOf('\t'); return { key: l.slice(0, i), value: l.slice(i + 1) }; });
}

// In the page: a raw ofc-live.v1 WebSocket (the session cookie goes with it) that sends one
// message and resolves with the first command_refused/command_state reply for that id.
async function wsCommand(page, msg) {
  return page.evaluate((m) => new Promise((resolve) => {
    const ws = new WebSocket(`ws://${location.host}/live`, 'ofc-live.v1');
    const timer = setTimeout(() => { ws.close(); resolve({ type: 'timeout' }); }, 20000);
    ws.onopen = () => ws.send(JSON.stringify(m));
    ws.onmessage = (ev) => {
      const r = JSON.parse(ev.data);
      if ((r.type === 'command_refused' || r.type === 'command_state') && r.id === m.id) {
        clearTimeout(timer);
        ws.close();
        resolve(r);
      }
    };
    ws.onclose = (ev) => { clearTimeout(timer); resolve({ type: 'closed', code: ev.code, reason: ev.reason }); };
  }), msg);
}

// In the page: like wsCommand, but every reply for that id until one of `until` states.
async function wsCommandStates(page, msg, until) {
  return page.evaluate(([m, end]) => new Promise((resolve) => {
    const ws = new WebSocket(`ws://${location.host}/live`, 'ofc-live.v1');
    const got = [];
    let t0 = 0;
    const timer = setTimeout(() => { ws.close(); resolve(got); }, 40000);
    ws.onopen = () => { t0 = performance.now(); ws.send(JSON.stringify(m)); };
    ws.onmessage = (ev) => {
      const r = JSON.parse(ev.data);
      if ((r.type === 'command_refused' || r.type === 'command_state') && r.id === m.id) {
        r.after_ms = Math.round(performance.now() - t0);
        got.push(r);
        if (r.type === 'command_refused' || end.includes(r.state)) { clearTimeout(timer); ws.close(); resolve(got); }
      }
    };
  }), [msg, until]);
}

// In the page: a command signed with the page's own stored key, by the page's own modules.
async function signInPage(page, c) {
  return page.evaluate(async (cmd) => {
    const signing = await import('/signing.js');
    const keystore = await import('/keystore.js');
    const key = await keystore.loadKey();
    const out = await signing.signCommand({ ...cmd, sender: key.operator, keyId: key.keyId, nowMs: Date.now() },
      (b) => keystore.signWith(key, b));
    return { record: out.record, correlationId: out.correlationId };
  }, c);
}

let browser;
try {
  const broker = start(['broker', '--bootstrap-file', `${dir}/boot`], 'ofc broker');
  await firstLine(broker);
  const boot = fs.readFileSync(`${dir}/boot`, 'utf8').trim();
  const opToken = run([OFC, 'web', '--add-user', 'op', '--role', 'operator', '--users', `${dir}/users`]).trim();
  const viewerToken = run([OFC, 'web', '--add-user', 'vic', '--role', 'viewer', '--users', `${dir}/users`]).trim();
  // The trust store starts without the browser's key: it is only known once the page makes it.
  fs.writeFileSync(`${dir}/trust`, '# operators of the test plant\n', { mode: 0o644 });
  const { web, port } = await startWeb(boot, ['--trust', `${dir}/trust`]);
  const ro = await startWeb(boot, []); // a second server without a trust store: read-only
  const sim = start(['sim', '-b', boot, '--assets', '6', '--rate', '20', '--seed', '3',
    '--trust', `${dir}/trust`, '--truth-file', `${dir}/truth.json`], 'ofc sim');
  const base = `http://127.0.0.1:${port}`;

  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('dialog', (d) => d.accept());

  await step('a viewer is read-only, says why, and its commands are refused (not_operator)', async () => {
    const vctx = await browser.newContext();
    const p = await vctx.newPage();
    await p.goto(`${base}/#token=${viewerToken}`);
    await p.waitForSelector(`#tree [data-uuid="${TARGET}"]`, { timeout: LONG });
    await p.waitForFunction(() => document.getElementById('btn-key').title.includes('viewer'), null, { timeout: LONG });
    assert.equal(await p.textContent('#btn-key'), 'read-only');
    await p.click(`#tree [data-uuid="${TARGET}"]`);
    await p.click('#methods li[data-attr="SwitchMode"] button.send');
    await p.waitForFunction(() => document.getElementById('notice').textContent.includes('Read-only'), null, { timeout: LONG });
    assert.equal(await p.evaluate(() => document.getElementById('command').open), false);
    const r = await wsCommand(p, { type: 'command', id: 5, target: TARGET, record: '{"ID":"SwitchMode_CMD"}' });
    assert.equal(r.type, 'command_refused', JSON.stringify(r));
    assert.equal(r.reason, 'not_operator');
    await vctx.close();
  });

  await step('a server without --trust is read-only and says so; commands refused (read_only)', async () => {
    const p = await context.newPage();
    await p.goto(`http://127.0.0.1:${ro.port}/#token=${opToken}`);
    await p.waitForFunction(() => document.getElementById('btn-key').title.includes('no trust store'), null, { timeout: LONG });
    const r = await wsCommand(p, { type: 'command', id: 6, target: TARGET, record: '{"ID":"SwitchMode_CMD"}' });
    assert.equal(r.reason, 'read_only', JSON.stringify(r));
    await p.close();
  });

  let line, keyId;
  await step('without a key the operator is read-only; the page enrolls a non-extractable key', async () => {
    await page.goto(`${base}/#token=${opToken}`);
    await page.waitForSelector(`#tree [data-uuid="${TARGET}"]`, { timeout: LONG });
    await page.waitForFunction(() => document.getElementById('btn-key').title.includes('no operator key'), null, { timeout: LONG });
    await page.keyboard.press('K');
    await page.waitForSelector('#keys[open]');
    await page.fill('#key-operator-input', 'alice');
    await page.click('#key-generate');
    await page.waitForFunction(() => document.getElementById('key-line').value.startsWith('ed25519 '), null, { timeout: LONG });
    line = await page.inputValue('#key-line');
    assert.match(line, /^ed25519 [A-Za-z0-9+/]{43}= operator=alice$/);
    keyId = (await page.textContent('#key-id')).trim();
    await shot(page, 'key');
    const pk = line.split(' ')[1];
    const py = run(['python3', '-c', 'import base64,hashlib,sys; print(hashlib.blake2b(base64.b64decode(sys.argv[1]), digest_size=32).hexdigest()[:16])', pk]).trim();
    assert.equal(keyId, py, 'key id as the core derives it');
    const stored = await page.evaluate(async () => {
      const ks = await import('/keystore.js');
      const k = await ks.loadKey();
      let exported = 'no';
      try { await crypto.subtle.exportKey('pkcs8', k.privateKey); exported = 'yes'; } catch (e) { /* expected */ }
      return { extractable: k.privateKey.extractable, type: k.privateKey.type, exported, alg: k.privateKey.algorithm.name };
    });
    assert.deepEqual(stored, { extractable: false, type: 'private', exported: 'no', alg: 'Ed25519' });
    await page.waitForFunction(() => document.getElementById('key-trust').textContent.startsWith('Not trusted yet'), null, { timeout: LONG });
    await page.click('#key-close');
    assert.match(await page.textContent('#btn-key'), new RegExp(`^key alice ${keyId.slice(0, 8)}$`));
    await page.reload();
    await page.waitForFunction((id) => document.getElementById('btn-key').textContent.includes(id.slice(0, 8)), keyId, { timeout: LONG });
  });

  await step('the admin appends the line: server and sim read the trust store again', async () => {
    fs.appendFileSync(`${dir}/trust`, `${line} roles=operator methods=SwitchMode,GenerateCode assets=${TARGET},GHOST-1 uns=Demofactory\n`);
    await sleep(2500); // both check the file once a second
    await page.keyboard.press('K');
    await page.waitForFunction(() => document.getElementById('key-trust').textContent === 'Trusted by this server as alice.', null, { timeout: LONG });
    await page.click('#key-close');
  });

  let reviewed, cid;
  await step('form, review of the exact record, Enter does not send, y sends, SENT then EXECUTED', async () => {
    await page.click(`#tree [data-uuid="${TARGET}"]`);
    await page.waitForSelector('#methods li[data-attr="SwitchMode"] button.send', { timeout: LONG });
    await sleep(2500);
    const before = truthValue(await truth(), TARGET, 'mode');
    const want = before === 'MANUAL' ? 'AUTO' : 'MANUAL';
    await page.click('#methods li[data-attr="SwitchMode"] button.send');
    await page.waitForSelector('#command[open]');
    await page.fill('#command-fields input[data-arg="NewMode"]', want);
    await page.keyboard.press('Enter'); // no reason yet: refused by the form
    await page.waitForFunction(() => document.getElementById('command-error').textContent.includes('reason'));
    await page.fill('#command-reason', 'browser end-to-end test');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#command-review:not([hidden])', { timeout: LONG });
    await page.waitForFunction(() => document.getElementById('rv-policy').textContent.includes('allows key'), null, { timeout: LONG });
    reviewed = await page.textContent('#rv-record');
    const rec = JSON.parse(reviewed);
    assert.equal(rec.ID, 'SwitchMode_CMD');
    assert.equal(rec.attributes.ofc_reason, 'browser end-to-end test');
    const env = JSON.parse(rec.VALUE);
    assert.equal(env.arguments.NewMode, want);
    assert.equal(env.header.sender_uuid, 'alice');
    assert.match(env.header.signature, new RegExp(`^ed25519:${keyId}:`));
    cid = env.header.correlation_id;
    assert.equal(await page.textContent('#rv-topic'), 'ofa_assets');
    assert.equal(await page.textContent('#rv-key'), TARGET);
    await shot(page, 'review');
    const affected = await page.$$eval('#rv-current tbody tr td:first-child', (tds) => tds.map((t) => t.textContent));
    assert.ok(affected.includes('mode') && affected.includes('state'), affected.join());
    await page.evaluate(() => {
      window.__states = [];
      window.__times = [];
      new MutationObserver(() => {
        for (const td of document.querySelectorAll('#commands .cmd-state')) {
          const last = window.__states[window.__states.length - 1];
          const s = `${td.textContent} ${td.nextSibling && td.parentElement.lastChild.textContent}`;
          if (last !== s) { window.__states.push(s); window.__times.push(performance.now()); }
        }
      }).observe(document.getElementById('commands-box'), { subtree: true, childList: true, characterData: true });
    });
    await page.keyboard.press('Enter');
    await sleep(500);
    assert.equal(await page.evaluate(() => document.getElementById('command').open), true, 'Enter sent');
    assert.equal(await page.isHidden('#commands-box'), true);
    const t0 = await page.evaluate(() => performance.now());
    await page.keyboard.press('y');
    await page.waitForFunction((id) => {
      const tr = document.querySelector(`#commands tr[data-cid="${id}"]`);
      return tr && tr.dataset.state === 'EXECUTED';
    }, cid, { timeout: LONG });
    const states = await page.evaluate(() => window.__states);
    const times = await page.evaluate(() => window.__times);
    const at = (p) => Math.round(times[states.findIndex((x) => x.startsWith(p))] - t0);
    console.log(`measure: y to SENT ${at('SENT')} ms, to ECHOED ${at('ECHOED')} ms, to EXECUTED ${at('EXECUTED')} ms`);
    const sent = states.findIndex((s) => /^SENT .*partition \d+ offset \d+/.test(s));
    const executed = states.findIndex((s) => s.startsWith('EXECUTED'));
    assert.ok(sent >= 0 && executed > sent, states.join(' | '));
    assert.ok(states.every((s, i) => i >= sent || !s.startsWith('ECHOED')), states.join(' | '));
    assert.match(states[executed], /verified/);
    // The plant writes the new mode after its outcome; a device the sim has off line (its random
    // outages) writes it when it comes back, and the truth file is rewritten every 2 s.
    for (let i = 0; i < 30 && truthValue(await truth(), TARGET, 'mode') !== want; i++) await sleep(2000);
    assert.equal(truthValue(await truth(), TARGET, 'mode'), want);
    const onKafka = kafkaRecords(boot).find((r) => r.value.includes(cid));
    assert.ok(onKafka, 'the command on ofa_assets');
    assert.equal(onKafka.key, TARGET);
    assert.equal(onKafka.value, reviewed, 'produced byte for byte as reviewed');
  });

  await step('a command outside the key\'s policy is REFUSED by the server: policy_denied', async () => {
    const t = await truth();
    const other = t.assets.find((a) => a.attributes.some((x) => x.type === 'Method' && x.id !== 'SwitchMode' && x.id !== 'GenerateCode'));
    assert.ok(other, 'an asset with another method');
    const method = other.attributes.find((x) => x.type === 'Method' && x.id !== 'SwitchMode' && x.id !== 'GenerateCode').id;
    await page.click(`#tree [data-uuid="${other.uuid}"]`);
    await page.click(`#methods li[data-attr="${method}"] button.send`);
    await page.waitForSelector('#command[open]');
    for (const input of await page.$$('#command-fields input')) await input.fill('1');
    await page.fill('#command-reason', 'not allowed for alice');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#command-review:not([hidden])');
    await page.waitForFunction(() => document.getElementById('rv-policy').textContent.includes('Warning: the server will refuse this: the method is not allowed'), null, { timeout: LONG });
    await page.keyboard.press('F2'); // does not send (nor in the terminal console, where it finishes the form)
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await page.$$eval('#commands tbody tr', (rows) => rows.filter((r) => r.textContent.includes('not allowed for alice')).length), 0);
    await page.keyboard.press('y');
    await page.waitForFunction(() => {
      const tr = document.querySelector('#commands tbody tr');
      return tr && tr.dataset.state === 'REFUSED';
    }, null, { timeout: LONG });
    assert.match(await page.textContent('#commands tbody tr'), /policy_denied: .*method/);
    await shot(page, 'commands');
  });

  let tampered;
  await step('forged WebSocket commands are refused with their reasons', async () => {
    const good = await signInPage(page, { target: TARGET, method: 'SwitchMode', reason: 'forgery test', args: [['NewMode', 'AUTO']] });
    tampered = good.record.replace('\\"NewMode\\":\\"AUTO\\"', '\\"NewMode\\":\\"MANUAL\\"');
    assert.notEqual(tampered, good.record);
    let r = await wsCommand(page, { type: 'command', id: 101, target: TARGET, record: tampered });
    assert.equal(r.reason, 'bad_signature', JSON.stringify(r));
    assert.equal(r.correlation_id, good.correlationId);
    r = await wsCommand(page, { type: 'command', id: 102, target: TARGET, record: good.record.replace(/ed25519:[0-9a-f]{16}:[A-Za-z0-9+/]{10}/, (m) => `${m.slice(0, -10)}AAAAAAAAAA`) });
    assert.equal(r.reason, 'bad_signature', JSON.stringify(r));
    r = await wsCommand(page, { type: 'command', id: 103, target: 'CNC-001', record: good.record });
    assert.equal(r.reason, 'bad_signature', JSON.stringify(r)); // the target is signed too
    r = await wsCommand(page, { type: 'command', id: 104, target: TARGET, record: reviewed });
    assert.equal(r.reason, 'replayed', JSON.stringify(r));
    r = await wsCommand(page, { type: 'command', id: 105, target: TARGET, record: good.record.replace(/"signature\\":\\"[^\\]*\\"/, '"signature\\":null') });
    assert.equal(r.reason, 'unsigned', JSON.stringify(r));
    r = await wsCommand(page, { type: 'command', id: 106, target: TARGET, record: '{"ID":1}' });
    assert.equal(r.reason, 'bad_record', JSON.stringify(r));
    r = await wsCommand(page, { type: 'command', id: 107, target: TARGET, record: good.record, extra: 1 });
    assert.equal(r.type, 'closed', JSON.stringify(r)); // malformed message: closed with 4400
    assert.equal(r.code, 4400);
    const metrics = await page.evaluate(async () => (await fetch('/metrics')).text());
    assert.match(metrics, /ofc_web_commands_refused_total\{reason="bad_signature"\} 3/);
    assert.match(metrics, /ofc_web_commands_accepted_total 1/);
  });

  await step('a tampered record produced straight to Kafka is REJECTED by the sim', async () => {
    const forgedCid = JSON.parse(JSON.parse(tampered).VALUE).header.correlation_id;
    run(['kcat', '-P', '-b', boot, '-t', 'ofa_assets', '-k', TARGET], tampered);
    await page.click(`#tree [data-uuid="${TARGET}"]`);
    await page.waitForFunction((id) => {
      const td = document.querySelector('#attrs tr[data-attr="ofc_command_outcome"] td.value');
      return td && td.textContent.includes(id) && td.textContent.includes('rejected') && td.textContent.includes('bad_signature');
    }, forgedCid, { timeout: LONG });
  });

  await step('GET /audit needs a credential and checks its filters', async () => {
    const get = (q, headers) => fetch(`${base}/audit${q}`, { headers }).then(async (r) => ({ status: r.status, body: await r.text() }));
    assert.equal((await get('', {})).status, 401);
    assert.equal((await get('', { Authorization: 'Bearer ofc_nope' })).status, 401);
    const auth = { Authorization: `Bearer ${viewerToken}` };
    assert.equal((await get('?since=yesterday', auth)).status, 400);
    assert.equal((await get('?limit=0', auth)).status, 400);
    assert.equal((await get('?format=xml', auth)).status, 400);
    const r = await get('?limit=1&operator=alice', auth);
    assert.equal(r.status, 200);
    const body = JSON.parse(r.body);
    assert.equal(body.trusted, true);
    assert.equal(body.entries.length, 1);
    assert.ok(body.matched >= 1 && body.total >= body.matched);
    assert.equal(body.entries[0].operator, 'alice');
  });

  await step('the audit view: statuses, operator filter, NDJSON export verified again', async () => {
    await page.keyboard.press('Escape');
    await page.focus('#tree-pane');
    await page.keyboard.press('A');
    await page.waitForSelector('#audit[open]');
    await page.waitForFunction(() => document.querySelectorAll('#audit-table tbody tr').length >= 2, null, { timeout: LONG });
    await page.click('#audit-table tbody tr');
    await shot(page, 'audit');
    const rows = await page.$$eval('#audit-table tbody tr', (trs) => trs.map((tr) => tr.textContent));
    assert.ok(rows.some((r) => r.includes('valid') && r.includes('alice') && r.includes('SwitchMode')), rows.join('\n'));
    assert.ok(rows.some((r) => r.includes('invalid: bad_signature')), rows.join('\n'));
    await page.fill('#af-operator', 'nobody');
    await page.click('#audit-filters button[type="submit"]');
    await page.waitForFunction(() => document.querySelectorAll('#audit-table tbody tr').length === 0, null, { timeout: LONG });
    await page.fill('#af-operator', 'alice');
    await page.click('#audit-filters button[type="submit"]');
    await page.waitForFunction(() => document.querySelectorAll('#audit-table tbody tr').length >= 2, null, { timeout: LONG });
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#audit-export')]);
    const text = fs.readFileSync(await download.path(), 'utf8');
    const lines = text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    assert.ok(lines.length >= 2 && lines.every((l) => l.operator === 'alice'));
    const ok = lines.find((l) => l.correlation_id === cid);
    assert.equal(ok.status, 'valid');
    assert.match(ok.record, /"signature\\":\\"ed25519:/);
    const r = spawnSync(OFC, ['verify', '--trust', `${dir}/trust`, '--stdin'], { input: `${ok.target}\t${ok.record}\n`, encoding: 'utf8' });
    assert.match(r.stdout + r.stderr, /valid/);
    assert.doesNotMatch(r.stdout, /bad_signature/);
    await page.click('#audit-close');
  });

  await step('a command no executor answers: SENT, ECHOED, then TIMEOUT', async () => {
    const c = await signInPage(page, { target: 'GHOST-1', method: 'SwitchMode', reason: 'nobody listens', args: [['NewMode', 'AUTO']] });
    const got = await wsCommandStates(page, { type: 'command', id: 201, target: 'GHOST-1', record: c.record }, ['TIMEOUT', 'FAILED']);
    const states = got.map((r) => r.state || r.reason);
    assert.deepEqual(states.filter((x) => x !== 'PENDING'), ['SENT', 'ECHOED', 'TIMEOUT'], JSON.stringify(got));
    assert.ok(got.every((r) => r.correlation_id === c.correlationId));
    assert.ok(got.find((r) => r.state === 'SENT').offset >= 0);
    console.log(`measure: a later command, message to SENT ${got.find((r) => r.state === 'SENT').after_ms} ms, to ECHOED ${got.find((r) => r.state === 'ECHOED').after_ms} ms`);
  });

  await step('with the broker down a command ends FAILED, never SENT', async () => {
    await stop(broker);
    await page.click(`#tree [data-uuid="${TARGET}"]`);
    await page.keyboard.press('x'); // the keyboard way: choose among the asset's methods
    await page.waitForSelector('#pick[open]');
    const choices = await page.$$eval('#pick-list button', (bs) => bs.map((b) => b.textContent));
    assert.deepEqual(choices, ['ResetController()', 'SwitchMode(NewMode)']);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#command[open]');
    assert.equal(await page.textContent('#command-title'), `SwitchMode → ${TARGET}`);
    await page.fill('#command-fields input[data-arg="NewMode"]', 'AUTO');
    await page.fill('#command-reason', 'broker outage test');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#command-review:not([hidden])');
    const id = JSON.parse(JSON.parse(await page.textContent('#rv-record')).VALUE).header.correlation_id;
    await page.evaluate(() => { window.__states = []; });
    await page.keyboard.press('y');
    await page.waitForFunction((cid) => {
      const tr = document.querySelector(`#commands tr[data-cid="${cid}"]`);
      return tr && tr.dataset.state === 'FAILED';
    }, id, { timeout: LONG });
    const states = await page.evaluate(() => window.__states);
    assert.ok(!states.some((x) => x.startsWith('SENT')), states.join(' | '));
    assert.match(await page.textContent(`#commands tr[data-cid="${id}"]`), /never sent/);
  });

  await step('an ofc keygen --no-passphrase key file is imported; an encrypted one is refused', async () => {
    run([OFC, 'keygen', '--operator', 'bob', '--no-passphrase', '--out', `${dir}/bob.key`]);
    const file = fs.readFileSync(`${dir}/bob.key`, 'utf8');
    const kid = /^key-id=(.*)$/m.exec(file)[1];
    await page.keyboard.press('K');
    await page.waitForSelector('#keys[open]');
    await page.setInputFiles('#key-file', `${dir}/bob.key`);
    await page.waitForFunction((k) => document.getElementById('key-id').textContent === k, kid, { timeout: LONG });
    assert.equal(await page.inputValue('#key-line'), fs.readFileSync(`${dir}/bob.key.pub`, 'utf8').trim());
    const extractable = await page.evaluate(async () => (await (await import('/keystore.js')).loadKey()).privateKey.extractable);
    assert.equal(extractable, false);
    fs.writeFileSync(`${dir}/enc.key`, file.replace('kdf=none', 'kdf=argon2id13'));
    await page.setInputFiles('#key-file', `${dir}/enc.key`);
    await page.waitForFunction(() => document.getElementById('key-error').textContent.includes('passphrase'), null, { timeout: LONG });
    assert.equal(await page.textContent('#key-id'), kid, 'the imported key stays');
    await page.click('#key-close');
  });

  await step('no script errors in the page', async () => {
    assert.deepEqual(pageErrors, []);
  });

  await stop(sim);
  await stop(web);
  await stop(ro.web);
} catch (e) {
  failed = true;
  if (!String(e.stack).includes('FAIL')) console.log(`FAIL: ${e.stack || e}`);
} finally {
  if (browser) await browser.close().catch(() => {});
  await Promise.all([...children].map(stop));
  fs.rmSync(dir, { recursive: true, force: true });
}
console.log(failed ? 'commands browser test: FAILED' : 'commands browser test: all passed');
process.exit(failed ? 1 : 0);
