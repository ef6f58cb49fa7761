import { createCipheriv, createHmac, hkdfSync, timingSafeEqual, type KeyObject } from 'node:crypto';

/** Every encrypted value starts with this; the version names the construction below. */
export const TOKEN_PREFIX = 'dbsync:enc:v1:';
/** Shortest key file content accepted (bytes): 256 bits of input keying material. */
export const MIN_KEY_BYTES = 32;

const IV_BYTES = 16;
const SALT = Buffer.from('git-dbsync secrets', 'utf8');

/** Decryption failed: wrong key, a value altered in the repository, or a value moved to another column. */
export class SecretAuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretAuthError';
  }
}

/**
 * Deterministic authenticated encryption of secret cells: the same value in the same column always
 * gives the same text (so an unchanged secret makes no diff), and a wrong key or a changed byte is
 * detected on decryption.
 *
 * Why hand-written: deterministic encryption needs a misuse-resistant mode (AES-SIV, RFC 5297, or
 * AES-GCM-SIV, RFC 8452). Node's crypto offers neither (createCipheriv has GCM, CCM, OCB, none of
 * them deterministic-safe: GCM with a repeated nonce leaks its authentication key), and a
 * third-party crypto package would be one more dependency trusted with every secret. So this is the
 * SIV construction (Rogaway and Shrimpton, "Deterministic Authenticated-Encryption", 2006) built
 * from two standard primitives Node does have:
 *   - two independent 256-bit keys from the key file with HKDF-SHA256 (one for the MAC, one for AES);
 *   - synthetic IV = HMAC-SHA256(macKey, len(AD) || AD || plaintext), first 16 bytes;
 *   - ciphertext = AES-256-CTR(encKey, IV, plaintext);
 *   - token = "dbsync:enc:v1:" + base64url(IV || ciphertext).
 * Decryption runs CTR with the stored IV, recomputes the MAC over AD and the plaintext and compares
 * it in constant time with the IV: any other key, any altered byte, or a token copied to another
 * column (the AD is the table and column name) fails. What deterministic encryption reveals, by
 * design: whether two cells of the same column hold the same value, and the value's length.
 */
export class SecretCipher {
  private readonly macKey: Buffer;
  private readonly encKey: Buffer;

  /** `key`: the key file's content (at least MIN_KEY_BYTES bytes; checked by the configuration). */
  constructor(key: KeyObject | Buffer) {
    this.macKey = Buffer.from(hkdfSync('sha256', key, SALT, 'v1 synthetic iv (hmac-sha256)', 32));
    this.encKey = Buffer.from(hkdfSync('sha256', key, SALT, 'v1 encryption (aes-256-ctr)', 32));
  }

  /** The token for `plaintext` in the column named by `context` (see secretContext). */
  encrypt(context: Buffer, plaintext: string): string {
    const data = Buffer.from(plaintext, 'utf8');
    const iv = this.syntheticIv(context, data);
    const c = createCipheriv('aes-256-ctr', this.encKey, iv);
    const body = Buffer.concat([iv, c.update(data), c.final()]);
    return TOKEN_PREFIX + body.toString('base64url');
  }

  /** The plaintext of a token made by `encrypt` with the same key and context; throws SecretAuthError otherwise. */
  decrypt(context: Buffer, token: string): string {
    if (!isToken(token)) throw new SecretAuthError('not an encrypted value of this version');
    const body = Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url');
    const iv = body.subarray(0, IV_BYTES);
    const d = createCipheriv('aes-256-ctr', this.encKey, iv);
    const data = Buffer.concat([d.update(body.subarray(IV_BYTES)), d.final()]);
    if (!timingSafeEqual(this.syntheticIv(context, data), iv)) {
      throw new SecretAuthError('the value does not authenticate: another key, an altered value, or a value of another column');
    }
    return data.toString('utf8');
  }

  private syntheticIv(context: Buffer, data: Buffer): Buffer {
    const len = Buffer.alloc(8);
    len.writeBigUInt64BE(BigInt(context.length));
    return createHmac('sha256', this.macKey).update(len).update(context).update(data).digest().subarray(0, IV_BYTES);
  }
}

/** The associated data binding a token to its column: table and column name, unambiguously. */
export function secretContext(table: string, column: string): Buffer {
  const t = Buffer.from(table, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(t.length);
  return Buffer.concat([len, t, Buffer.from(column, 'utf8')]);
}

/** True for text shaped like a token of this version (it may still fail to decrypt). */
export function isToken(text: string): boolean {
  // base64url of at least the IV (16 bytes: 22 characters) plus one byte.
  return text.startsWith(TOKEN_PREFIX) && /^[A-Za-z0-9_-]{24,}$/.test(text.slice(TOKEN_PREFIX.length));
}
