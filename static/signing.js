// signing.js: ofconsole-command-v1 in the browser (docs/command-signing.md), the same bytes as
// src/core/command.c. Pure functions, no DOM, so tests/web/signing.test.mjs runs them under node
// against the documented vectors: Python's str.strip() whitespace, the length-prefixed canonical
// form, BLAKE2b-256 for the key id (WebCrypto has no BLAKE2b, hence the small implementation
// below; it only ever hashes a 32-byte public key), the trust-store line, and the record itself.
// Signing is WebCrypto Ed25519 with a key the page cannot export (keystore.js).

export const DOMAIN = 'ofconsole-command-v1';
export const TOPIC = 'ofa_assets';
export const MAX_ARGS = 64;

const enc = new TextEncoder();

// Python's str.isspace(): Unicode White_Space plus the ASCII separators \x1c-\x1f.
function pySpace(c) {
  return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c === 0x85 || c === 0xa0 ||
    c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 ||
    c === 0x202f || c === 0x205f || c === 0x3000;
}

// What the receiver (pydantic str_strip_whitespace) keeps of a string. Not String.trim(): that
// strips U+FEFF and keeps \x1c-\x1f and U+0085.
export function stripPy(s) {
  const cps = Array.from(String(s));
  let a = 0, b = cps.length;
  while (a < b && pySpace(cps[a].codePointAt(0))) a++;
  while (b > a && pySpace(cps[b - 1].codePointAt(0))) b--;
  return cps.slice(a, b).join('');
}

function cmpBytes(x, y) {
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

// The canonical bytes a signature covers. c: { target, method, correlationId, sender,
// timestamp, reason, args: [[name, value], ...] }. Throws if two names are equal once stripped.
export function canonicalBytes(c) {
  const args = (c.args || []).map(([n, v]) => [enc.encode(stripPy(n)), enc.encode(stripPy(v))]);
  if (args.length > MAX_ARGS) throw new Error(`at most ${MAX_ARGS} arguments`);
  args.sort((p, q) => cmpBytes(p[0], q[0]));
  for (let i = 1; i < args.length; i++)
    if (cmpBytes(args[i - 1][0], args[i][0]) === 0) throw new Error('two arguments have the same name');
  const parts = [enc.encode(`${DOMAIN}\n`)];
  const field = (label, v) => {
    const b = enc.encode(stripPy(v ?? ''));
    parts.push(enc.encode(`${label}:${b.length}:`), b, enc.encode('\n'));
  };
  field('target', c.target);
  field('method', c.method);
  field('correlation_id', c.correlationId);
  field('sender', c.sender);
  field('timestamp', c.timestamp);
  field('reason', c.reason);
  parts.push(enc.encode(`arguments:${args.length}\n`));
  for (const [n, v] of args)
    parts.push(enc.encode(`arg:${n.length}:`), n, enc.encode(`=${v.length}:`), v, enc.encode('\n'));
  const out = new Uint8Array(parts.reduce((k, p) => k + p.length, 0));
  let off = 0;
  for (const p of parts) { out.set(p, off); off += p.length; }
  return out;
}

// ---- base64, hex ----

export function b64encode(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

export function b64decode(text) {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

// ---- BLAKE2b (RFC 7693), unkeyed, with BigInt words: a few microseconds for 32 bytes ----

const M64 = (1n << 64n) - 1n;
const IV = [0x6a09e667f3bcc908n, 0xbb67ae8584caa73bn, 0x3c6ef372fe94f82bn, 0xa54ff53a5f1d36f1n,
  0x510e527fade682d1n, 0x9b05688c2b3e6c1fn, 0x1f83d9abfb41bd6bn, 0x5be0cd19137e2179n];
const SIGMA = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
  [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
  [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
  [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
  [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
  [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
  [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
  [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
  [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
  [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
];

const rotr = (x, n) => ((x >> n) | (x << (64n - n))) & M64;

function compress(h, block, t, last) {
  const m = [];
  for (let i = 0; i < 16; i++) {
    let w = 0n;
    for (let k = 7; k >= 0; k--) w = (w << 8n) | BigInt(block[i * 8 + k]);
    m.push(w);
  }
  const v = [...h, ...IV];
  v[12] ^= BigInt(t) & M64;
  if (last) v[14] ^= M64;
  const g = (a, b, c, d, x, y) => {
    v[a] = (v[a] + v[b] + x) & M64; v[d] = rotr(v[d] ^ v[a], 32n);
    v[c] = (v[c] + v[d]) & M64; v[b] = rotr(v[b] ^ v[c], 24n);
    v[a] = (v[a] + v[b] + y) & M64; v[d] = rotr(v[d] ^ v[a], 16n);
    v[c] = (v[c] + v[d]) & M64; v[b] = rotr(v[b] ^ v[c], 63n);
  };
  for (let r = 0; r < 12; r++) {
    const s = SIGMA[r % 10];
    g(0, 4, 8, 12, m[s[0]], m[s[1]]); g(1, 5, 9, 13, m[s[2]], m[s[3]]);
    g(2, 6, 10, 14, m[s[4]], m[s[5]]); g(3, 7, 11, 15, m[s[6]], m[s[7]]);
    g(0, 5, 10, 15, m[s[8]], m[s[9]]); g(1, 6, 11, 12, m[s[10]], m[s[11]]);
    g(2, 7, 8, 13, m[s[12]], m[s[13]]); g(3, 4, 9, 14, m[s[14]], m[s[15]]);
  }
  for (let i = 0; i < 8; i++) h[i] ^= v[i] ^ v[i + 8];
}

export function blake2b(data, outLen = 32) {
  const h = [...IV];
  h[0] ^= 0x01010000n ^ BigInt(outLen);
  const blocks = Math.max(1, Math.ceil(data.length / 128));
  for (let b = 0; b < blocks; b++) {
    const block = new Uint8Array(128);
    const chunk = data.subarray(b * 128, b * 128 + 128);
    block.set(chunk);
    compress(h, block, b * 128 + chunk.length, b === blocks - 1);
  }
  const out = new Uint8Array(outLen);
  for (let i = 0; i < outLen; i++) out[i] = Number((h[i >> 3] >> BigInt(8 * (i & 7))) & 0xffn);
  return out;
}

// The key id: the first 8 bytes of BLAKE2b-256 of the raw public key, 16 lower-case hex digits.
export function keyId(publicKey) {
  return hex(blake2b(publicKey, 32).subarray(0, 8));
}

export function operatorIdValid(id) {
  return typeof id === 'string' && /^[A-Za-z0-9._@:-]{1,128}$/.test(id);
}

// The line an admin appends to the trust store (then adds roles=, methods=, uns=), exactly as
// `ofc keygen` writes it to FILE.pub.
export function trustLine(publicKey, operator) {
  return `ed25519 ${b64encode(publicKey)} operator=${operator}`;
}

// ---- times and ids ----

// header.timestamp: ISO-8601 UTC with microseconds, as `ofc send` writes it.
export function isoMicro(ms) {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function uuid4() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = hex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// ---- the record ----

// Build and sign a command record. sign(bytes) -> Promise<Uint8Array(64)> (WebCrypto).
// c: { target, method, sender, keyId, reason, args: [[name, value], ...], nowMs, correlationId? }
// Arguments and reason are stripped first, so what is sent is what is signed (as command.c).
// Returns { record (JSON text, produced byte for byte), correlationId, timestamp, canonical }.
export async function signCommand(c, sign) {
  const correlationId = c.correlationId || uuid4();
  const timestamp = isoMicro(c.nowMs);
  const args = (c.args || []).map(([n, v]) => [stripPy(n), stripPy(v)]);
  if (args.some(([n]) => !n)) throw new Error('an argument has no name');
  const reason = stripPy(c.reason || '');
  const canonical = canonicalBytes({
    target: c.target, method: c.method, correlationId, sender: c.sender, timestamp, reason, args,
  });
  const sig = await sign(canonical);
  const header = {
    correlation_id: correlationId,
    sender_uuid: c.sender,
    timestamp,
    signature: `ed25519:${c.keyId}:${b64encode(new Uint8Array(sig))}`,
  };
  const argObj = {};
  for (const [n, v] of args) argObj[n] = v;
  const envelope = JSON.stringify({ header, arguments: argObj });
  const record = JSON.stringify({
    ID: `${c.method}_CMD`,
    VALUE: envelope,
    TAG: 'Method.Command',
    TYPE: 'OpenFactory',
    attributes: { timestamp: new Date(c.nowMs).toISOString(), ofc_reason: reason },
  });
  return { record, correlationId, timestamp, canonical };
}

// ---- key files ----

// PKCS#8 for a raw Ed25519 seed (RFC 8410): what WebCrypto imports.
export function pkcs8FromSeed(seed) {
  const prefix = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04,
    0x22, 0x04, 0x20];
  const out = new Uint8Array(48);
  out.set(prefix);
  out.set(seed, 16);
  return out;
}

// An `ofc keygen` key file. Only kdf=none (--no-passphrase) can be read here: an encrypted one
// needs Argon2id, which browsers lack. Returns { operator, keyId, publicKey, seed }.
export function parseKeyFile(text) {
  const lines = String(text).split(/\r?\n/).filter((l) => l.length);
  if (lines[0] !== 'ofconsole-operator-key-v1') throw new Error('not an ofconsole operator key file');
  const f = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf('=');
    if (i > 0) f[l.slice(0, i)] = l.slice(i + 1);
  }
  if (f.kdf !== 'none')
    throw new Error('this key is encrypted with a passphrase (Argon2id), which a browser cannot ' +
      'unlock: import a key made with ofc keygen --no-passphrase, or make a key in the browser');
  if (!operatorIdValid(f.operator)) throw new Error('bad operator id in the key file');
  const publicKey = b64decode(f.public || '');
  const seed = b64decode(f.secret || '');
  if (publicKey.length !== 32 || seed.length !== 32) throw new Error('bad key material in the key file');
  return { operator: f.operator, keyId: keyId(publicKey), publicKey, seed };
}
