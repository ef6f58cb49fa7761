import { secretContext, SecretAuthError, type SecretCipher } from '../secrets/secret-cipher.js';
import { isRedactedLiteral, REDACTED_LITERAL, tokenOf } from '../secrets/secret-literal.js';
import type { TableSecrets } from '../secrets/table-secrets.js';
import type { TableInfo } from '../snapshot/table-info.js';

/** Why a secret cell of a change could not be written as its value. */
export type SecretGap = 'redacted' | 'no key' | 'wrong key';

/** A cell literal to write: the value, or (for a secret that cannot be written) what becomes of it. */
export type CellToWrite = { readonly literal: string; readonly gap: null } | { readonly literal: typeof REDACTED_LITERAL; readonly gap: SecretGap };

/**
 * Turns the literals of a change's `after` line into literals to write: encrypted secrets are
 * decrypted with the key (the plaintext is the literal the snapshot would have written in clear);
 * a redacted placeholder, or a token without a key or with another key, cannot be written as the
 * value. Tokens and placeholders are recognised by their form in any column, as restore does (the
 * other computer may declare more secret columns than this one). Counts what was not written, per
 * column and reason, for the user.
 */
export class SecretCells {
  private readonly gaps = new Map<string, { column: string; label: string; gap: SecretGap; kept: boolean; count: number }>();
  /** Whether a decrypted value was written: error messages must then not quote statements. */
  decrypted = false;

  constructor(
    private readonly table: TableInfo,
    private readonly secrets: TableSecrets | null,
    private readonly cipher: SecretCipher | null,
  ) {}

  /** The literal to write for cell `index` of `cells` (the after line's literals). */
  resolve(cells: readonly string[], index: number): CellToWrite {
    const literal = cells[index]!;
    if (isRedactedLiteral(literal)) return { literal: REDACTED_LITERAL, gap: 'redacted' };
    const token = tokenOf(literal);
    if (token === null) return { literal, gap: null };
    if (!this.cipher) return { literal: REDACTED_LITERAL, gap: 'no key' };
    try {
      const plain = this.cipher.decrypt(secretContext(this.table.name, this.table.columns[index]!.name), token);
      this.decrypted = true;
      return { literal: plain, gap: null };
    } catch (err) {
      if (!(err instanceof SecretAuthError)) throw err;
      return { literal: REDACTED_LITERAL, gap: 'wrong key' };
    }
  }

  /** Record a secret not written: `kept` when the live value stayed (update), else the placeholder was inserted. */
  note(cells: readonly string[], index: number, gap: SecretGap, kept: boolean): void {
    const column = this.table.columns[index]?.name ?? `#${index + 1}`;
    const label = this.secrets?.ruleAt(cells, index)?.label ?? `${this.table.name}.${column}`;
    const k = `${column}\0${label}\0${gap}\0${kept}`;
    const prev = this.gaps.get(k);
    if (prev) prev.count++;
    else this.gaps.set(k, { column, label, gap, kept, count: 1 });
  }

  /** One line per column, reason and outcome, e.g. "ip_users.user_password (user password hash): 2 value(s) redacted ...". */
  report(): string[] {
    return [...this.gaps.values()].map((g) => {
      const what = `${this.table.name}.${g.column}${g.label !== `${this.table.name}.${g.column}` ? ` (${g.label})` : ''}`;
      const why =
        g.gap === 'redacted'
          ? 'redacted in the incoming snapshot'
          : g.gap === 'no key'
            ? 'encrypted, and DBSYNC_SECRET_KEY_FILE is not set here'
            : 'encrypted with another key than DBSYNC_SECRET_KEY_FILE here';
      const outcome = g.kept ? 'the local value was kept' : `the new row got the placeholder ${REDACTED_LITERAL}`;
      return `${what}: ${g.count} value(s) ${why}; ${outcome}`;
    });
  }
}
