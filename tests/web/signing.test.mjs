// signing.test.mjs: the page's signing code (static/signing.js) reproduces the documented
// vectors of ofconsole-command-v1 (docs/command-signing.md, tests/data/signing/vectors.json):
// canonical bytes, key id (BLAKE2b-256 in JavaScript), trust-store line, and, signed with the
// vector's seed through WebCrypto Ed25519 (node's, the same API the browser has), the whole
// record byte for byte. Also Python's strip rules where they differ from String.trim(), the
// duplicate-name refusal and `ofc keygen --no-passphrase` key files. Run by ctest
// (web_signing_vectors); exits non-zero on the first failure.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { webcrypto } from 'node:crypto';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SRC = fs.readFileSync(path.resolve(HERE, '../../static/signing.js'), 'utf8');
const VECTORS = JSON.parse(fs.readFileSync(path.resolve(HERE, '../data/signing/vectors.json'), 'utf8'));

if (!globalThis.crypto) globalThis.crypto = webcrypto;
// The page's module as the browser loads it: one file, no imports.
const sig = await import(`data:text/javascript;base64,${Buffer.from(SRC).toString('base64')}`);

let failed = 0;
async function check(name, fn) {
  try {
    await fn();
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e.stack || e}`);
  }
}

async function signerFor(seed) {
  const key = await crypto.subtle.importKey('pkcs8', sig.pkcs8FromSeed(seed), { name: 'Ed25519' }, false, ['sign']);
  return async (bytes) => new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, key, bytes));
}

assert.ok(VECTORS.vectors.length >= 3, 'the documented vectors');
for (const [i, v] of VECTORS.vectors.entries()) {
  const n = i + 1;
  const args = Object.entries(v.arguments);
  await check(`vector ${n}: canonical bytes`, () => {
    const bytes = sig.canonicalBytes({
      target: v.target, method: v.method, correlationId: v.correlation_id, sender: v.sender,
      timestamp: v.timestamp, reason: v.reason, args,
    });
    assert.equal(Buffer.from(bytes).toString('utf8'), v.canonical);
  });
  await check(`vector ${n}: key id and trust-store line`, () => {
    const pk = sig.b64decode(v.public);
    assert.equal(sig.keyId(pk), v.key_id);
    assert.equal(sig.trustLine(pk, v.sender), `ed25519 ${v.public} operator=${v.sender}`);
  });
  await check(`vector ${n}: signed record byte for byte`, async () => {
    const sign = await signerFor(sig.b64decode(v.seed));
    const out = await sig.signCommand({
      target: v.target, method: v.method, sender: v.sender, keyId: v.key_id, reason: v.reason,
      args, nowMs: Date.parse(v.timestamp), correlationId: v.correlation_id,
    }, sign);
    assert.equal(out.timestamp, v.timestamp);
    assert.equal(Buffer.from(out.canonical).toString('utf8'), v.canonical);
    const env = JSON.parse(JSON.parse(out.record).VALUE);
    assert.equal(env.header.signature, v.signature);
    // The page strips arguments and reason before signing, as `ofc send` does, so what is sent
    // is what is signed; vector 2's record (made by Python) keeps the spaces a receiver strips.
    const want = JSON.parse(v.record);
    const wantEnv = JSON.parse(want.VALUE);
    for (const k of Object.keys(wantEnv.arguments)) wantEnv.arguments[k] = sig.stripPy(wantEnv.arguments[k]);
    want.VALUE = JSON.stringify(wantEnv);
    want.attributes.ofc_reason = sig.stripPy(want.attributes.ofc_reason);
    assert.equal(out.record, JSON.stringify(want));
    if (args.every(([k, x]) => sig.stripPy(x) === x) && sig.stripPy(v.reason) === v.reason)
      assert.equal(out.record, v.record); // nothing to strip: the very bytes of the vector
  });
}

await check('strip: Python whitespace, not String.trim()', () => {
  assert.equal(sig.stripPy(' \t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000x y\u3000 '), 'x y');
  assert.equal(sig.stripPy('\ufeffx'), '\ufeffx'); // BOM is not whitespace to Python
  assert.equal(sig.stripPy('\u200bx'), '\u200bx'); // nor the zero-width space
  assert.equal(sig.stripPy('   '), '');
  assert.equal(sig.stripPy('😀 '), '😀');
});

await check('canonical: names sorted by UTF-8 bytes, duplicates after stripping refused', () => {
  const c = { target: 't', method: 'm', correlationId: 'c', sender: 's', timestamp: 'x', reason: '' };
  const text = Buffer.from(sig.canonicalBytes({ ...c, args: [['é', '1'], ['z', '2'], ['Z', '3']] })).toString('utf8');
  assert.ok(text.endsWith('arguments:3\narg:1:Z=1:3\narg:1:z=1:2\narg:2:é=1:1\n'), text);
  assert.throws(() => sig.canonicalBytes({ ...c, args: [['a', '1'], [' a ', '2']] }), /same name/);
});

await check('BLAKE2b: RFC 7693 test vector ("abc", 64 bytes) and empty input', () => {
  const hex = (b) => Buffer.from(b).toString('hex');
  assert.equal(hex(sig.blake2b(new TextEncoder().encode('abc'), 64)),
    'ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923');
  assert.equal(hex(sig.blake2b(new Uint8Array(0), 32)),
    '0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8');
  const long = new Uint8Array(300).map((_, i) => i & 255); // several blocks, the last partial
  assert.equal(hex(sig.blake2b(long, 32)), '3a486e3fe3ee414853000269ac020030aeef748cb05cd62ba85939ec298ef25c'); // Python hashlib.blake2b(digest_size=32)
});

await check('key file: kdf=none is read, an encrypted one is refused with why', () => {
  const v = VECTORS.vectors[0];
  const file = ['ofconsole-operator-key-v1', `operator=${v.sender}`, `key-id=${v.key_id}`,
    `public=${v.public}`, 'kdf=none', `secret=${v.seed}`, ''].join('\n');
  const k = sig.parseKeyFile(file);
  assert.equal(k.operator, v.sender);
  assert.equal(k.keyId, v.key_id);
  assert.throws(() => sig.parseKeyFile(file.replace('kdf=none', 'kdf=argon2id13')), /passphrase/);
  assert.throws(() => sig.parseKeyFile('hello'), /not an ofconsole/);
});

await check('isoMicro and uuid4 forms', () => {
  assert.equal(sig.isoMicro(Date.parse('2026-11-24T21:03:00.123Z')), '2026-11-24T21:03:00.123000Z');
  assert.match(sig.uuid4(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

if (failed) {
  console.log(`${failed} failed`);
  process.exit(1);
}
