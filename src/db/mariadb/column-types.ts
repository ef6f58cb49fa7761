/**
 * MariaDB's column types by how their values are read and written (information_schema
 * DATA_TYPE, lower case). One table for the snapshot's formats, the apply engine's row matching
 * and the secrets policy's check of what a column can hold.
 */

/** Written as the server prints them (FLOAT, read through DOUBLE, is not among them: see column-format.ts). */
export const NUMERIC_TYPES: ReadonlySet<string> = new Set([
  'tinyint',
  'smallint',
  'mediumint',
  'int',
  'integer',
  'bigint',
  'decimal',
  'numeric',
  'double',
  'real',
  'year',
]);

export const TEMPORAL_TYPES: ReadonlySet<string> = new Set(['date', 'datetime', 'timestamp', 'time']);

/** Bytes without a character set, spatial types included (their value is WKB). */
export const BINARY_TYPES: ReadonlySet<string> = new Set([
  'binary',
  'varbinary',
  'tinyblob',
  'blob',
  'mediumblob',
  'longblob',
  'geometry',
  'point',
  'linestring',
  'polygon',
  'multipoint',
  'multilinestring',
  'multipolygon',
  'geometrycollection',
]);

/** Types that hold any string, so a value can be replaced by another quoted string (a placeholder, a token) and loaded back. */
export const STRING_TYPES: ReadonlySet<string> = new Set([
  'char',
  'varchar',
  'tinytext',
  'text',
  'mediumtext',
  'longtext',
  'binary',
  'varbinary',
  'tinyblob',
  'blob',
  'mediumblob',
  'longblob',
]);

/** Whether values of the type are text with a character set (char, varchar, text, enum, set, json, uuid, inet4/6, ...): everything not numeric, temporal, bit or binary. */
export function isTextType(dataType: string): boolean {
  const t = dataType.toLowerCase();
  return !NUMERIC_TYPES.has(t) && t !== 'float' && !TEMPORAL_TYPES.has(t) && t !== 'bit' && !BINARY_TYPES.has(t);
}
