// replicas.test.mjs: a browser follows the plant across `ofc web` replicas. Two replicas on one
// `ofc broker` (same users file, same session secret, nothing else shared) sit behind a plain
// TCP balancer that sends each new connection to the first replica that answers, as Swarm's
// routing mesh or Traefik would. Run by ctest (web_browser_replicas) with OFC_BINARY set.
//
// Asserts: the page logs in through the balancer and shows the plant from replica-a; when
// replica-a is killed (SIGKILL: a crashed task) the page reconnects by itself to replica-b
// without asking for a new login (the session cookie is valid on every replica), and shows the same plant: the same assets at the same UNS paths, values still updating.

import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CHROMIUM, FLAGS, LONG, OFC, children, failed, firstLine, run, sleep, start, startWeb, step, stop } from './harness.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ofc-web-replicas-'));

// Each new TCP connection goes to the first backend that accepts it.
function balancer(ports) {
  const server = net.createServer((client) => {
    client.pause();
    const tryBackend = (i) => {
      if (i >= ports.length) { client.destroy(); return; }
      const up = net.connect(ports[i], '127.0.0.1');
      up.once('error', () => tryBackend(i + 1));
      up.once('connect', () => {
        up.removeAllListeners('error');
        up.on('error', () => client.destroy());
        client.on('error', () => up.destroy());
        client.pipe(up);
        up.pipe(client);
        client.resume();
      });
    };
    tryBackend(0);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: server.address().port })));
}

async function treeAssets(page) {
  return page.evaluate(() => [...document.querySelectorAll('#tree [data-uuid]')]
    .map((e) => `${e.dataset.uuid}@${e.dataset.path || ''}`).sort());
}

let browser;
try {
  const broker = start(['broker', '--bootstrap-file', `${dir}/boot`], 'ofc broker');
  await firstLine(broker);
  const boot = fs.readFileSync(`${dir}/boot`, 'utf8').trim();
  const token = run([OFC, 'web', '--add-user', 'op', '--role', 'viewer', '--users', `${dir}/users`]).trim();
  const sim = start(['sim', '-b', boot, '--assets', '12', '--rate', '100', '--seed', '4'], 'ofc sim');
  const a = await startWeb(dir, boot, ['--replica', 'replica-a']);
  const b = await startWeb(dir, boot, ['--replica', 'replica-b']);
  const lb = await balancer([a.port, b.port]);
  const base = `http://127.0.0.1:${lb.port}`;

  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  let before;

  await step('through the balancer the page logs in and shows the plant from replica-a', async () => {
    await page.goto(`${base}/#token=${token}`);
    await page.waitForSelector('#tree [data-uuid="CNC-001"]', { timeout: LONG });
    await page.waitForFunction(() => document.querySelectorAll('#tree [data-uuid]').length >= 12, null, { timeout: LONG });
    assert.match(await page.textContent('#st-replica'), /replica-a/);
    await sleep(1500); // the sim registered everything long ago; let the tree settle
    before = await treeAssets(page);
    assert.ok(before.length >= 12, before.join(' '));
  });

  await step('replica-a crashes: the page reconnects to replica-b, no new login, same plant', async () => {
    await stop(a.web, 'SIGKILL');
    await page.waitForFunction(() => /replica-b/.test(document.getElementById('st-replica').textContent), null, { timeout: LONG });
    assert.equal(await page.evaluate(() => document.getElementById('login').open), false);
    await page.waitForFunction(() => /broker connected/.test(document.getElementById('st-conn').textContent), null, { timeout: LONG });
    await page.waitForFunction((n) => document.querySelectorAll('#tree [data-uuid]').length >= n, before.length, { timeout: LONG });
    assert.deepEqual(await treeAssets(page), before);
  });

  await step('values keep updating from replica-b', async () => {
    await page.click('#tree [data-uuid="CNC-001"]');
    await page.waitForFunction(() => document.getElementById('asset-uuid').textContent === 'CNC-001');
    const cell = '#attrs tr[data-attr="Xact"] td.value';
    await page.waitForSelector(cell, { timeout: LONG });
    const v0 = await page.textContent(cell);
    await page.waitForFunction(([sel, v]) => document.querySelector(sel)?.textContent !== v, [cell, v0], { timeout: LONG });
  });

  await step('no script errors in the page', async () => {
    assert.deepEqual(pageErrors, []);
  });

  lb.server.close();
  await stop(sim);
  await stop(b.web);
} catch (e) {
  if (!failed()) console.log(`FAIL: ${e.stack || e}`);
  process.exitCode = 1;
} finally {
  if (browser) await browser.close().catch(() => {});
  await Promise.all([...children].map((c) => stop(c)));
  fs.rmSync(dir, { recursive: true, force: true });
}
const bad = failed() || process.exitCode === 1;
console.log(bad ? 'replicas browser test: FAILED' : 'replicas browser test: all passed');
process.exit(bad ? 1 : 0);
