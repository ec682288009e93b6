// harness.mjs: what the browser tests share: start `ofc` programs as child processes on
// loopback, read their first line, stop them, run a command to completion, name steps.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';

export const OFC = process.env.OFC_BINARY;
export const CHROMIUM = process.env.OFC_CHROMIUM || '/usr/bin/chromium';
export const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const LONG = 60000; // generous: tests prove behaviour, the benchmarks prove speed

assert.ok(OFC && fs.existsSync(OFC), 'OFC_BINARY must name the ofc program');
assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: run scripts/setup`);

export const children = new Set();
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function start(args, name, env) {
  const child = spawn(OFC, args, { stdio: ['ignore', 'pipe', 'inherit'], env: env ? { ...process.env, ...env } : process.env });
  child.name = name;
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

export function firstLine(child, timeoutMs = 30000) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`${child.name}: no output`)), timeoutMs);
    child.stdout.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) { clearTimeout(timer); resolve(buf.slice(0, nl)); }
    });
    child.on('exit', (code) => reject(new Error(`${child.name} exited with ${code}`)));
  });
}

export function stop(child, signal = 'SIGTERM') {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode) return resolve();
    child.once('exit', resolve);
    child.kill(signal);
    setTimeout(() => child.kill('SIGKILL'), 10000).unref();
  });
}

export function run(args, input) {
  const r = spawnSync(args[0], args.slice(1), { input, encoding: 'utf8', timeout: 30000 });
  assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

let failures = 0;
export const failed = () => failures > 0;

export async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    console.log(`FAIL ${name}: ${e.stack || e}`);
    failures++;
    throw e;
  }
}

export async function startWeb(dir, boot, extra, port = 0) {
  const web = start(['web', '-b', boot, '--users', `${dir}/users`, '--session-secret', `${dir}/secret`,
    '--listen', `127.0.0.1:${port}`, ...extra], 'ofc web');
  const line = await firstLine(web);
  const m = /:(\d+)\/$/.exec(line);
  assert.ok(m, `unexpected first line: ${line}`);
  return { web, port: Number(m[1]) };
}
