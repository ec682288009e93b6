// keystore.js: the operator's signing key, kept by this browser and never by the server.
// WebCrypto Ed25519 with extractable = false: the page can sign with the private key but neither
// it nor any script injected into it can read the key out. The CryptoKey object itself is stored
// in IndexedDB (structured clone keeps it non-extractable), one key per browser profile and
// origin, with its operator id, key id and raw public key for the trust-store line.

import { keyId, pkcs8FromSeed, trustLine } from './signing.js';

const DB = 'ofconsole';
const STORE = 'keys';
const SLOT = 'operator';

function open() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function tx(mode, fn) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const req = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(req && req.result);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error || new Error('IndexedDB transaction aborted'));
    });
  } finally {
    db.close();
  }
}

// { operator, keyId, publicKey (Uint8Array), privateKey (CryptoKey), created, source } or null.
export async function loadKey() {
  const k = await tx('readonly', (s) => s.get(SLOT));
  return k || null;
}

export async function forgetKey() {
  await tx('readwrite', (s) => s.delete(SLOT));
}

async function save(operator, privateKey, publicKey, source) {
  const entry = { operator, keyId: keyId(publicKey), publicKey, privateKey, created: Date.now(), source };
  await tx('readwrite', (s) => s.put(entry, SLOT));
  return entry;
}

// A new key pair made here. Only the public half can be exported.
export async function generateKey(operator) {
  const pair = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  return save(operator, pair.privateKey, publicKey, 'generated');
}

// An `ofc keygen --no-passphrase` key (signing.js parseKeyFile), imported non-extractable.
export async function importKey(parsed) {
  const privateKey = await crypto.subtle.importKey('pkcs8', pkcs8FromSeed(parsed.seed), { name: 'Ed25519' }, false, ['sign']);
  parsed.seed.fill(0);
  return save(parsed.operator, privateKey, parsed.publicKey, 'imported');
}

export async function signWith(entry, bytes) {
  return new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, entry.privateKey, bytes));
}

export function entryTrustLine(entry) {
  return trustLine(entry.publicKey, entry.operator);
}

export function supported() {
  return !!(window.isSecureContext && window.crypto && crypto.subtle && window.indexedDB);
}
