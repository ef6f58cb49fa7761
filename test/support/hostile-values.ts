/**
 * Property-based generators of hostile data: values of every column type MariaDB has (with their
 * SQL literals) and hostile table and column names. Shared by the hostile-data fault test and the
 * fast reader's differential test (test/integration/fast-reader.test.ts).
 */
import fc from 'fast-check';

export const qid = (name: string) => '`' + name.replaceAll('`', '``') + '`';
export const hex = (b: Uint8Array) => `x'${Buffer.from(b).toString('hex')}'`;
export const utf8 = (s: string) => `_utf8mb4 ${hex(Buffer.from(s, 'utf8'))}`;

// ---------------------------------------------------------------- value generators

export interface Column {
  readonly name: string;
  readonly def: string;
  readonly arb: fc.Arbitrary<unknown>;
  /** SQL literal for a generated value (never null; NULL is handled by the caller). */
  readonly lit: (v: never) => string;
}

const intCol = (name: string, type: string, bits: number, unsigned: boolean): Column => {
  const min = unsigned ? 0n : -(2n ** BigInt(bits - 1));
  const max = unsigned ? 2n ** BigInt(bits) - 1n : 2n ** BigInt(bits - 1) - 1n;
  return {
    name,
    def: `${type}${unsigned ? ' UNSIGNED' : ''}`,
    arb: fc.oneof(fc.constantFrom(min, max, 0n, 1n, unsigned ? max - 1n : -1n), fc.bigInt({ min, max })),
    lit: (v: bigint) => v.toString(),
  };
};

const digits = (max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: max });
const decimalCol = (name: string, p: number, s: number, unsigned = false): Column => {
  const nines = (p > s ? '9'.repeat(p - s) : '0') + (s > 0 ? '.' + '9'.repeat(s) : '');
  const tiny = s > 0 ? '0.' + '0'.repeat(s - 1) + '1' : '1';
  return {
    name,
    def: `DECIMAL(${p},${s})${unsigned ? ' UNSIGNED' : ''}`,
    arb: fc.oneof(
      fc.constantFrom(nines, tiny, '0', ...(unsigned ? [] : ['-' + nines, '-' + tiny, '-0'])),
      fc.tuple(fc.boolean(), digits(p - s), digits(s)).map(([neg, i, f]) => (neg && !unsigned ? '-' : '') + (i || '0') + (f ? '.' + f : '')),
    ),
    lit: (v: string) => v,
  };
};

/** Shortest text that parses back to the same double; -0 needs an expression (the server stores -0e0 as +0). */
const floatLit = (v: number) => (Object.is(v, -0) ? '-1e-50' : String(v));
const dateArb = fc.oneof(
  fc.constantFrom('0000-00-00', '1000-01-01', '9999-12-31', '2024-02-29', '2023-02-29', '2021-04-31', '2020-00-00', '0000-01-00', '2020-12-00', '0001-01-01'),
  fc
    .tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 31 }))
    .map(([y, m, d]) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`),
);
const fraction = (n: number) => (n === 0 ? fc.constant('') : digits(n).map((d) => (d ? '.' + d : '')));
const clockArb = (n: number) =>
  fc
    .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 59 }), fraction(n))
    .map(([h, m, s, f]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}${f}`);
const datetimeArb = (n: number) =>
  fc.oneof(
    fc.constantFrom('0000-00-00 00:00:00', '9999-12-31 23:59:59' + (n ? '.' + '9'.repeat(n) : ''), '1000-01-01 00:00:00'),
    fc.tuple(dateArb, clockArb(n)).map(([d, c]) => `${d} ${c}`),
  );
const timestampArb = (n: number) =>
  fc.oneof(
    fc.constantFrom('0000-00-00 00:00:00', '1970-01-01 00:00:01', '2038-01-19 03:14:07' + (n ? '.' + '9'.repeat(n) : '')),
    fc.tuple(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fraction(n)).map(([sec, f]) => new Date(sec * 1000).toISOString().slice(0, 19).replace('T', ' ') + f),
  );
const timeArb = (n: number) =>
  fc.oneof(
    fc.constantFrom('-838:59:59', '838:59:59', '00:00:00', '-00:00:01', ...(n ? ['838:59:59.' + '9'.repeat(n), '-00:00:00.' + '0'.repeat(n - 1) + '1'] : [])),
    fc
      .tuple(fc.boolean(), fc.integer({ min: 0, max: 838 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 59 }), fraction(n))
      .map(([neg, h, m, s, f]) => `${neg ? '-' : ''}${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}${f}`),
  );

/** Characters that break naive escaping, plus any code point at all. */
const hostileChar = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "'",
      '"',
      '\\',
      '\0',
      '\n',
      '\r',
      '\t',
      '\x1a',
      '\b',
      '\x7f',
      '%',
      '_',
      ',',
      ';',
      '(',
      ')',
      ' ',
      '`',
      'é',
      'ß',
      'Ж',
      '中',
      '😀',
      '𝄞',
      '\u2028',
      '\u0085',
      '\ufeff',
      '\uffff',
      '\u00a0',
      'NULL',
      "\\'",
      '\\N',
      '0x',
    ),
  },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);
export const hostileString = (maxChars: number) =>
  fc.oneof(
    {
      weight: 1,
      arbitrary: fc.constantFrom('', 'NULL', 'null', '\\N', "'", "''", '\\', ' ', '  trailing  ', '0', '-1', '1e3', '0x41', "'); DROP TABLE x; --"),
    },
    { weight: 4, arbitrary: fc.array(hostileChar, { maxLength: Math.min(maxChars, 40) }).map((a) => [...a.join('')].slice(0, maxChars).join('')) },
  );
export const bytesArb = (maxLength: number, minLength = 0) =>
  fc.oneof(
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(new Uint8Array([]), new Uint8Array([0]), new Uint8Array([0x27, 0x5c, 0x0a, 0x0d, 0x1a, 0x00, 0x22]), new Uint8Array([0xff, 0xfe]))
        .filter((b) => b.length >= minLength && b.length <= maxLength),
    },
    { weight: 4, arbitrary: fc.uint8Array({ minLength, maxLength }) },
  );
const ENUM_LABELS = ['1', '-1', '', 'a b', 'NULL', "x'y", 'é', '0', '\\'];
const SET_LABELS = ['1', '-1', 'a b', 'NULL', 'é', '0', ''];
export const sqlString = (s: string) => "'" + s.replaceAll('\\', '\\\\').replaceAll("'", "''") + "'";
const coord = fc.oneof(
  fc.constantFrom(0, -0, 1.5, -2.25, 1e-300, -1e300, 5e-324),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e300, max: 1e300 }),
);
const wkt = fc.oneof(
  fc.tuple(coord, coord).map(([x, y]) => `POINT(${x} ${y})`),
  fc.array(fc.tuple(coord, coord), { minLength: 2, maxLength: 4 }).map((ps) => `LINESTRING(${ps.map(([x, y]) => `${x} ${y}`).join(',')})`),
  fc.array(fc.tuple(coord, coord), { minLength: 3, maxLength: 4 }).map((ps) => `POLYGON((${[...ps, ps[0]!].map(([x, y]) => `${x} ${y}`).join(',')}))`),
);

/** Bytes below 0x80 (text, control bytes, quotes, backslashes) or any bytes, half and half. */
const asciiOrBytes = (maxLength: number) =>
  fc.oneof(
    fc.oneof(
      hostileString(maxLength).map((s) => Buffer.from(s.replace(/[^\x00-\x7f]/gu, '?'))),
      fc.uint8Array({ maxLength, max: 0x7f }),
    ),
    bytesArb(maxLength),
  );

export const COLUMNS: Column[] = [
  intCol('ti', 'TINYINT', 8, false),
  intCol('tiu', 'TINYINT', 8, true),
  intCol('si', 'SMALLINT', 16, false),
  intCol('siu', 'SMALLINT', 16, true),
  intCol('mi', 'MEDIUMINT', 24, false),
  intCol('miu', 'MEDIUMINT', 24, true),
  intCol('i', 'INT', 32, false),
  intCol('iu', 'INT', 32, true),
  intCol('bi', 'BIGINT', 64, false),
  intCol('biu', 'BIGINT', 64, true),
  decimalCol('d65', 65, 30),
  decimalCol('d102', 10, 2),
  decimalCol('d50', 5, 0),
  decimalCol('d3030', 30, 30),
  decimalCol('du', 20, 5, true),
  { name: 'fl', def: 'FLOAT', arb: fc.float({ noNaN: true, noDefaultInfinity: true }), lit: floatLit },
  { name: 'db', def: 'DOUBLE', arb: fc.double({ noNaN: true, noDefaultInfinity: true }), lit: floatLit },
  { name: 'flm', def: 'FLOAT(10,3)', arb: fc.float({ noNaN: true, min: -9_999_999, max: 9_999_999 }), lit: floatLit },
  { name: 'dbm', def: 'DOUBLE(20,6)', arb: fc.double({ noNaN: true, min: -1e13, max: 1e13 }), lit: floatLit },
  ...[1, 10, 64].map((n) => ({
    name: `bit${n}`,
    def: `BIT(${n})`,
    arb: fc.bigInt({ min: 0n, max: 2n ** BigInt(n) - 1n }),
    lit: (v: bigint) => `b'${v.toString(2)}'`,
  })),
  { name: 'ch', def: 'CHAR(10)', arb: hostileString(10), lit: utf8 },
  { name: 'vc', def: 'VARCHAR(200)', arb: hostileString(200), lit: utf8 },
  { name: 'tx', def: 'TEXT', arb: hostileString(2000), lit: utf8 },
  { name: 'vc3', def: 'VARCHAR(50) CHARACTER SET utf8mb3', arb: hostileString(50), lit: utf8 },
  { name: 'vc16', def: 'VARCHAR(50) CHARACTER SET utf16', arb: hostileString(50), lit: utf8 },
  {
    name: 'asc',
    def: 'VARCHAR(50) CHARACTER SET ascii',
    arb: fc.oneof(
      hostileString(50).map((s) => Buffer.from(s.replace(/[^\x00-\x7f]/g, '?'))),
      bytesArb(50),
    ),
    lit: (b: Uint8Array) => `_ascii ${hex(b)}`,
  },
  // Half of the single-byte values are ASCII (every control byte and escape included), which the
  // snapshot writes as plain quoted strings; the other half any bytes, written in hex.
  { name: 'l1', def: 'VARCHAR(100) CHARACTER SET latin1', arb: asciiOrBytes(100), lit: (b: Uint8Array) => `_latin1 ${hex(b)}` },
  { name: 'l1c', def: 'CHAR(10) CHARACTER SET latin1', arb: asciiOrBytes(10), lit: (b: Uint8Array) => `_latin1 ${hex(b)}` },
  { name: 'cy', def: 'VARCHAR(100) CHARACTER SET cp1251', arb: asciiOrBytes(100), lit: (b: Uint8Array) => `_cp1251 ${hex(b)}` },
  {
    name: 'en',
    def: `ENUM(${ENUM_LABELS.map(sqlString).join(',')})`,
    // A label, an invalid value (stored as the error value, index 0) or an index.
    arb: fc.oneof(fc.constantFrom(...ENUM_LABELS), fc.constantFrom('no such label', ' 1'), fc.integer({ min: 0, max: ENUM_LABELS.length })),
    lit: (v: string | number) => (typeof v === 'number' ? String(v) : utf8(v)),
  },
  {
    name: 'st',
    def: `SET(${SET_LABELS.map(sqlString).join(',')})`,
    arb: fc.oneof(
      fc.subarray(SET_LABELS).map((xs) => xs.join(',')),
      fc.integer({ min: 0, max: 2 ** SET_LABELS.length - 1 }),
    ),
    lit: (v: string | number) => (typeof v === 'number' ? String(v) : utf8(v)),
  },
  { name: 'bn', def: 'BINARY(8)', arb: bytesArb(8), lit: hex },
  { name: 'vb', def: 'VARBINARY(100)', arb: bytesArb(100), lit: hex },
  { name: 'bl', def: 'BLOB', arb: bytesArb(3000), lit: hex },
  { name: 'dt', def: 'DATE', arb: dateArb, lit: sqlString },
  { name: 'dtm', def: 'DATETIME', arb: datetimeArb(0), lit: sqlString },
  { name: 'dtm3', def: 'DATETIME(3)', arb: datetimeArb(3), lit: sqlString },
  { name: 'dtm6', def: 'DATETIME(6)', arb: datetimeArb(6), lit: sqlString },
  { name: 'ts', def: 'TIMESTAMP NULL DEFAULT NULL', arb: timestampArb(0), lit: sqlString },
  { name: 'ts6', def: 'TIMESTAMP(6) NULL DEFAULT NULL', arb: timestampArb(6), lit: sqlString },
  { name: 'tm', def: 'TIME', arb: timeArb(0), lit: sqlString },
  { name: 'tm2', def: 'TIME(2)', arb: timeArb(2), lit: sqlString },
  { name: 'tm6', def: 'TIME(6)', arb: timeArb(6), lit: sqlString },
  { name: 'yr', def: 'YEAR', arb: fc.oneof(fc.constantFrom(0, 1901, 2155, 2000, 1970), fc.integer({ min: 1901, max: 2155 })), lit: (v: number) => String(v) },
  {
    name: 'js',
    def: 'JSON',
    arb: fc.oneof(fc.constantFrom('null', '"NULL"', '""', '"\\u0000\\\\\'"', '{"a":[1,2.50,"x\\"y"],"b":null}', '[]', '1e308', '-0'), fc.json({ maxDepth: 2 })),
    lit: utf8,
  },
  {
    name: 'u',
    def: 'UUID',
    arb: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    lit: (b: Uint8Array) =>
      sqlString(
        Buffer.from(b)
          .toString('hex')
          .replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-'),
      ),
  },
  {
    name: 'i6',
    def: 'INET6',
    arb: fc.oneof(
      fc.constantFrom('::', '::1', '::ffff:127.0.0.1', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'),
      fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('hex').match(/.{4}/g)!.join(':')),
    ),
    lit: sqlString,
  },
  { name: 'i4', def: 'INET4', arb: fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => [...b].join('.')), lit: sqlString },
  {
    name: 'g',
    def: 'GEOMETRY',
    arb: fc.tuple(wkt, fc.constantFrom(0, 4326, 3857)),
    lit: ([w, srid]: [string, number]) => `ST_GeomFromText(${sqlString(w)}, ${srid})`,
  },
  { name: 'pt', def: 'POINT', arb: fc.tuple(coord, coord), lit: ([x, y]: [number, number]) => `ST_PointFromText('POINT(${x} ${y})', 4326)` },
];

export const rowArb = fc.tuple(...COLUMNS.map((c) => fc.option(c.arb, { nil: null, freq: 6 })));
export const rowsArb = fc.array(rowArb, { minLength: 1, maxLength: 25, size: 'max' });
export const valuesSql = (rows: ReadonlyArray<readonly unknown[]>) =>
  rows.map((row, i) => `(${[String(i + 1), ...row.map((v, j) => (v === null ? 'NULL' : COLUMNS[j]!.lit(v as never)))].join(',')})`).join(',\n');

// ---------------------------------------------------------------- name generators

const nameChar = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...'abcxyzABCXYZ019_-') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      ' ',
      "'",
      '"',
      '`',
      '``',
      '\\',
      '.',
      '/',
      '%',
      '%2F',
      '$',
      '#',
      ';',
      ',',
      '(',
      '*',
      '?',
      ':',
      '@',
      '~',
      '\t',
      '\x01',
      '\x7f',
      'é',
      'Ä',
      'ß',
      'Ж',
      'ж',
      'ё',
      '中',
      '\u00a0',
      '\u200b',
      '\u2028',
      '\ufeff',
      'İ',
      'ı',
      'ǅ',
      'ﬀ',
      'e\u0301',
      '*/',
      '/*',
      '--',
      ';;',
      '😀',
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom('\n', '\r') },
  // Any character of the Basic Multilingual Plane (the server refuses others in names, as it does 😀 above).
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 0x80, max: 0xfffd })
      .filter((c) => c < 0xd800 || c > 0xdfff)
      .map((c) => String.fromCharCode(c)),
  },
);
export const nameArb = fc.oneof(
  { weight: 5, arbitrary: fc.array(nameChar, { minLength: 1, maxLength: 12 }).map((a) => a.join('')) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'select',
      'order',
      'SELECT',
      'Order',
      'from',
      'table',
      'key',
      'NULL',
      'null',
      'header',
      'views',
      'data',
      'tables',
      '.',
      '..',
      '.git',
      'con',
      'a.sql',
      ' leading',
      '-',
      '_',
      '%41',
      '~',
      'é'.repeat(64),
      'Ж'.repeat(64),
      'a'.repeat(64),
      'Z'.repeat(64),
      '中'.repeat(64),
      'x'.repeat(63) + 'é',
      'A'.repeat(65),
    ),
  },
);
