import { createSecretKey } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { DbsyncError } from '../errors/dbsync-error.js';
import { MIN_KEY_BYTES } from './secret-cipher.js';
import { parsePolicyList, type SecretPolicy, type SecretsConfig, type SecretsMode } from './secret-policy.js';
import { errnoCode } from '../errors/fs-error.js';

/** Validation of DBSYNC_SECRETS and DBSYNC_SECRET_POLICY (used by the SETTINGS table). */
export const secretsSettingSchemas = {
  mode: z.enum(['auto', 'redact', 'encrypt', 'keep'], { message: 'must be auto, redact, encrypt or keep' }),
  overrides: z.string().transform((s, ctx) => {
    try {
      return parsePolicyList(s);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  }),
};

const KEY_HOWTO = `create one with \`openssl rand -base64 32 > dbsync.key\` (and keep a copy outside the repository)`;

/**
 * The secrets configuration: reads and checks the key file (readable, a file, at least
 * MIN_KEY_BYTES bytes once a trailing newline is dropped) and refuses `encrypt` without a key.
 * Errors are configuration errors (exit 2), raised before anything is touched.
 */
export function loadSecretsConfig(
  v: { mode: SecretsMode; overrides: ReadonlyMap<string, SecretPolicy> | undefined; keyFile: string | undefined; cwd: string },
  configError: (message: string) => DbsyncError,
): SecretsConfig {
  const mode = v.mode;
  const overrides = v.overrides ?? new Map<string, SecretPolicy>();
  let key: SecretsConfig['key'];
  let keyFile: string | undefined;
  if (v.keyFile !== undefined) {
    keyFile = path.resolve(v.cwd, v.keyFile);
    const shown = `DBSYNC_SECRET_KEY_FILE=${JSON.stringify(v.keyFile)}`;
    let bytes: Buffer;
    try {
      if (!statSync(keyFile).isFile()) throw configError(`${shown}: not a file`);
      bytes = readFileSync(keyFile);
    } catch (err) {
      if ((err as DbsyncError).name === 'DbsyncError') throw err;
      throw configError(`${shown}: cannot read the file (${errnoCode(err) ?? 'error'})`);
    }
    // An editor or `echo` adds a newline; the key is the same with or without it.
    const end = bytes.length - (bytes.subarray(-2).toString('latin1') === '\r\n' ? 2 : bytes.subarray(-1).toString('latin1') === '\n' ? 1 : 0);
    const material = bytes.subarray(0, end);
    if (material.length < MIN_KEY_BYTES) {
      throw configError(`${shown}: the key has ${material.length} bytes, at least ${MIN_KEY_BYTES} are needed: ${KEY_HOWTO}`);
    }
    // The KeyObject keeps its own copy; this one is wiped.
    key = createSecretKey(material);
    bytes.fill(0);
  }
  if (!key) {
    const wantsKey = mode === 'encrypt' ? 'DBSYNC_SECRETS=encrypt' : [...overrides].find(([, p]) => p === 'encrypt')?.[0];
    if (wantsKey) {
      const what = mode === 'encrypt' ? wantsKey : `DBSYNC_SECRET_POLICY ${wantsKey}=encrypt`;
      throw configError(`${what} needs a key, but DBSYNC_SECRET_KEY_FILE is not set: set it to a file of at least ${MIN_KEY_BYTES} random bytes; ${KEY_HOWTO}`);
    }
  }
  return Object.freeze({ mode, overrides, key, keyFile });
}
