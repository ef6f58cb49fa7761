import { createHmac, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { DbsyncError } from '../errors/dbsync-error.js';
import { TEMP_SUFFIX } from '../fs/atomic-file.js';
import { errnoCode } from '../errors/fs-error.js';

/** The local key's file in the state folder (`.git/dbsync/`: inside .git, so never committed or pushed). */
export const MARKER_KEY_FILE = 'redaction-marker.key';
const KEY_BYTES = 32;
/** Hex digits of the marker: 48 bits, so a changed secret gives the same marker once in 2^48 changes. */
const MARKER_HEX = 12;

/**
 * Makes a change of a redacted secret visible without revealing it: a redacted cell becomes
 * `dbsync:redacted:<marker>`, the marker an HMAC-SHA256 of the column and the value under a
 * random key that stays in this computer's state folder. Equal values give equal markers, so an
 * unchanged secret leaves the snapshot unchanged and a changed one changes it (`User "Admin":
 * password changed`). Without the key a marker cannot be computed for a guess, so the repository
 * and its remotes cannot be used to test passwords; the key itself never enters the repository,
 * the logs or the process arguments. (docs/reference/security.md)
 */
export class RedactionMarker {
  private key: Buffer | null = null;

  constructor(private readonly stateDir: string) {}

  /** The marker of a cell (its SQL literal) in a column (its secretContext). */
  of(context: Buffer, literal: string): string {
    const h = createHmac('sha256', this.loadKey());
    h.update(context);
    h.update('\0');
    h.update(literal, 'utf8');
    return h.digest('hex').slice(0, MARKER_HEX);
  }

  /** Read the key, or create it (written whole under a temporary name, then linked into place: never half a key, and the first of two processes wins). */
  private loadKey(): Buffer {
    if (this.key) return this.key;
    const file = path.join(this.stateDir, MARKER_KEY_FILE);
    try {
      this.key = readFileSync(file);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
      mkdirSync(this.stateDir, { recursive: true });
      const tmp = `${file}.${process.pid}${TEMP_SUFFIX}`;
      const fd = openSync(tmp, 'w', 0o600);
      try {
        writeSync(fd, randomBytes(KEY_BYTES));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      try {
        linkSync(tmp, file);
      } catch (e) {
        if (errnoCode(e) !== 'EEXIST') throw e;
      } finally {
        unlinkSync(tmp);
      }
      this.key = readFileSync(file);
    }
    if (this.key.length < KEY_BYTES) {
      throw new DbsyncError({
        operation: 'redact secrets',
        message: `${file} holds ${this.key.length} bytes, not ${KEY_BYTES}`,
        hint: 'delete the file: the next pass makes a new key (and commits every redacted secret once with its new marker)',
      });
    }
    return this.key;
  }
}
