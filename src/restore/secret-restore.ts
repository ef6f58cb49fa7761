import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { DbsyncError } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';
import { secretContext, SecretAuthError } from '../secrets/secret-cipher.js';
import { isRedactedLiteral, REDACTED_LITERAL, tokenOf } from '../secrets/secret-literal.js';
import type { SecretsSettings } from '../secrets/secret-policy.js';
import type { SecretRule } from '../secrets/secret-rule.js';
import { TableSecrets } from '../secrets/table-secrets.js';
import { cellsOf, prefixOf } from '../snapshot/row-line.js';

/** Secret values of a snapshot that a restore leaves as placeholders, per rule (one line each for the user). */
export interface UnrestoredSecret {
  readonly table: string;
  readonly column: string;
  readonly label: string;
  /** What the user does about it (the rule's restoreHint). */
  readonly hint: string;
  /** 'redacted': the snapshot holds only the placeholder; 'no key': encrypted, and no DBSYNC_SECRET_KEY_FILE. */
  readonly why: 'redacted' | 'no key';
  readonly count: number;
}

/** One data file of the target snapshot: which table, its columns in data-file order, its lines. */
export interface DataFileSource {
  /** Path relative to the snapshot folder (data/<stem>.sql or one of its chunks; for a loader, the table's first data file names all of them). */
  readonly file: string;
  readonly table: string;
  readonly columns: readonly string[];
  readonly lines: () => Readable;
}

/**
 * What restore does with the secret cells of a snapshot: encrypted values are decrypted with the
 * key (the database gets the original value back); without the key, and for redacted values, the
 * placeholder is loaded and reported. Tokens are recognised by their form in any column, so a
 * snapshot taken under other rules restores as well.
 *
 * The read-back check compares the database with the snapshot; where the restored database cannot
 * equal it (a placeholder instead of a token, or a policy that changed since), the file expected
 * from the read-back is the loaded rows as the current policy writes them: `expected` holds its
 * fingerprint.
 */
export class SecretRestore {
  /** Data file -> fingerprint of the file a read-back must give (only where it differs from the snapshot's). */
  readonly expected = new Map<string, string>();
  private readonly plans = new Map<string, TableSecrets | null>();

  constructor(
    private readonly settings: SecretsSettings,
    private readonly rules: readonly SecretRule[],
    /** For messages: the key file and the commit being restored. */
    private readonly where: { keyFile: string | undefined; commit: string },
  ) {}

  /**
   * Read every file that holds tokens or placeholders before anything is changed: with a key, every
   * token must decrypt (else a configuration error, exit 2: wrong key or altered snapshot). Returns
   * what will not be restored, per rule, for the files given.
   */
  async check(files: readonly DataFileSource[]): Promise<UnrestoredSecret[]> {
    const found = new Map<string, UnrestoredSecret>();
    for (const f of files) {
      let n = 0;
      for await (const line of createInterface({ input: f.lines(), crlfDelay: Infinity })) {
        n++;
        if (line.length === 0) continue;
        const cells = cellsOf(line);
        cells.forEach((lit, i) => {
          const why = isRedactedLiteral(lit) ? 'redacted' : tokenOf(lit) !== null && !this.settings.cipher ? 'no key' : null;
          if (why === null) {
            if (tokenOf(lit) !== null) this.decrypt(f, i, lit, n);
            return;
          }
          const rule = this.plan(f.table, f.columns)?.ruleAt(cells, i) ?? null;
          const column = f.columns[i] ?? `#${i + 1}`;
          const key = `${f.table}\0${column}\0${rule?.label ?? ''}\0${why}`;
          const prev = found.get(key);
          found.set(key, {
            table: f.table,
            column,
            label: rule?.label ?? `${f.table}.${column}`,
            hint: rule?.restoreHint ?? 'enter the value again in the application',
            why,
            count: (prev?.count ?? 0) + 1,
          });
        });
      }
    }
    // In the order the rules are declared (users first for InvoicePlane), then columns no rule names.
    const order = (u: UnrestoredSecret) => {
      const i = this.rules.findIndex((r) => r.table === u.table && r.column === u.column && r.label === u.label);
      return i < 0 ? this.rules.length : i;
    };
    return [...found.values()].sort((a, b) => order(a) - order(b) || a.table.localeCompare(b.table) || a.column.localeCompare(b.column));
  }

  /**
   * The line rewriter for loading one data file, or null when the file needs none (no secrets under
   * the current rules and no tokens or placeholders). Call `done()` after the load: it records the
   * file the read-back must give when that differs from the snapshot's.
   */
  loader(f: Omit<DataFileSource, 'lines'>, hasSecretText: boolean): { mapLine: (line: string) => string; done: () => void } | null {
    const plan = this.plan(f.table, f.columns);
    if (!plan && !hasSecretText) return null;
    const print = new LineFingerprint();
    let differs = false;
    let n = 0;
    return {
      mapLine: (line) => {
        n++;
        const prefix = prefixOf(line);
        const cells = cellsOf(line);
        // A marked placeholder is loaded as the plain one (the marker only told that the value changed).
        const load = cells.map((lit, i) =>
          isRedactedLiteral(lit) ? REDACTED_LITERAL : tokenOf(lit) === null ? lit : this.settings.cipher ? this.decrypt(f, i, lit, n) : REDACTED_LITERAL,
        );
        // What the read-back will write for this row: the loaded values under today's policy.
        const back = `${prefix}(${(plan ? plan.transform([...load]) : load).join(',')});`;
        if (back !== line) differs = true;
        print.add(back);
        return `${prefix}(${load.join(',')});`;
      },
      done: () => {
        if (differs) this.expected.set(f.file, print.digest());
      },
    };
  }

  private plan(table: string, columns: readonly string[]): TableSecrets | null {
    if (!this.plans.has(table)) this.plans.set(table, TableSecrets.forTable(table, columns, this.rules, this.settings).secrets);
    return this.plans.get(table)!;
  }

  private decrypt(f: Pick<DataFileSource, 'file' | 'table' | 'columns'>, index: number, literal: string, lineNo: number): string {
    const column = f.columns[index] ?? `#${index + 1}`;
    try {
      // The plaintext is the cell literal the snapshot would have written in clear.
      return this.settings.cipher!.decrypt(secretContext(f.table, column), tokenOf(literal)!);
    } catch (err) {
      if (!(err instanceof SecretAuthError)) throw err;
      throw new DbsyncError({
        operation: 'restore',
        message: `DBSYNC_SECRET_KEY_FILE (${this.where.keyFile ?? '?'}) does not decrypt ${f.table}.${column} in ${f.file} line ${lineNo} of snapshot ${this.where.commit.slice(0, 12)}: it is not the key the snapshot was encrypted with, or the value was altered; nothing was changed`,
        hint: 'set DBSYNC_SECRET_KEY_FILE to the key used when the snapshot was taken, or unset it to restore everything but the secrets',
        exitCode: ExitCode.Config,
      });
    }
  }
}

/**
 * Order-independent fingerprint of a table's lines, duplicates counted (a file without a key is
 * sorted by its text, which placeholders change; chunks may split the rows differently): the sum
 * of the lines' hashes in four 32-bit lanes. Constant memory, whatever the table's size.
 */
class LineFingerprint {
  private readonly lanes = new Uint32Array(4);
  private count = 0;

  add(line: string): void {
    const h = createHash('sha256').update(line).digest();
    for (let i = 0; i < 4; i++) this.lanes[i] = (this.lanes[i]! + h.readUInt32LE(i * 4)) >>> 0;
    this.count++;
  }

  digest(): string {
    return `${this.count}:${[...this.lanes].map((x) => x.toString(16).padStart(8, '0')).join('')}`;
  }
}

/** The fingerprint of a table's data as stored (to compare with SecretRestore.expected, or two layouts of the same rows). */
export async function fingerprintLines(lines: Readable): Promise<string> {
  const print = new LineFingerprint();
  for await (const line of createInterface({ input: lines, crlfDelay: Infinity })) if (line.length > 0) print.add(line);
  return print.digest();
}

/** One line of the restore report. */
export function describeUnrestored(u: UnrestoredSecret, dryRun = false): string {
  const what = `${u.table}.${u.column}${u.label !== `${u.table}.${u.column}` ? ` (${u.label})` : ''}`;
  const why = u.why === 'redacted' ? 'redacted in the snapshot' : 'encrypted, and DBSYNC_SECRET_KEY_FILE is not set';
  const fix = u.why === 'no key' ? `restore again with the key, or ${u.hint}` : u.hint;
  return `not restored: ${what}, ${u.count} value(s) ${why}; a placeholder (${REDACTED_LITERAL}) ${dryRun ? 'would be' : 'was'} loaded instead -- ${fix}`;
}
