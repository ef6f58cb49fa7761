import { literalText } from '../snapshot/sql-literal.js';
import { isToken } from './secret-cipher.js';

/**
 * What a redacted secret becomes, in the snapshot and (when it cannot be restored) in the database.
 * 15 ASCII characters, so it fits every text column InvoicePlane keeps secrets in (the shortest is
 * ip_users.user_password, VARCHAR(60)); not a valid password hash, so nobody can log in with it.
 */
export const REDACTED = 'dbsync:redacted';
export const REDACTED_LITERAL = `'${REDACTED}'`;

/** Cells that hold no secret and are written as they are under every policy. */
export function holdsNoSecret(literal: string): boolean {
  return literal === 'NULL' || literal === "''" || literal === 'DEFAULT';
}

/**
 * The text a cell literal of a data file stands for (the one reading of literals,
 * snapshot/sql-literal.ts), with NULL and DEFAULT as written. Used to match row filters and to
 * recognise placeholders and tokens the same way when writing and when restoring.
 */
export function cellText(literal: string): string {
  return literalText(literal) ?? literal;
}

/** A redacted cell with a marker of its value (see RedactionMarker): `dbsync:redacted:` and hex digits. */
const MARKED = /^dbsync:redacted:[0-9a-f]{8,64}$/;

/** The cell a redacted secret becomes: the placeholder, with the value's marker when there is one. */
export function redactedLiteral(marker: string | null): string {
  return marker === null ? REDACTED_LITERAL : `'${REDACTED}:${marker}'`;
}

/** A placeholder, with or without a marker (a marker only tells that the value changed: it is loaded as the plain placeholder). */
export function isRedactedLiteral(literal: string): boolean {
  if (literal === REDACTED_LITERAL) return true;
  if (holdsNoSecret(literal)) return false;
  const text = cellText(literal);
  return text === REDACTED || MARKED.test(text);
}

/** The token inside a cell literal, or null when the cell is not an encrypted value. */
export function tokenOf(literal: string): string | null {
  if (!literal.startsWith("'dbsync:enc:")) return null;
  const text = cellText(literal);
  return isToken(text) ? text : null;
}
