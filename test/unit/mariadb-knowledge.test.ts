import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CHARSET_ENCODINGS, isUnicodeCharset } from '../../src/db/mariadb/charsets.js';
import { BINARY_TYPES, isTextType, NUMERIC_TYPES, STRING_TYPES, TEMPORAL_TYPES } from '../../src/db/mariadb/column-types.js';
import { isLockBusy, isStatementRefused } from '../../src/db/mariadb/server-errors.js';
import { DbsyncError } from '../../src/errors/dbsync-error.js';
import { describeFsError, isDiskFull, isFileSystemError, isNotWritable, writeFailureHint } from '../../src/errors/fs-error.js';

const fsErr = (code: string) => Object.assign(new Error(`${code}: failed`), { code });
/** An error as Database throws it: a DbsyncError whose cause is the driver's error. */
const driverErr = (code: string) => new DbsyncError({ operation: 'x', message: 'm', hint: 'h', cause: Object.assign(new Error(code), { code }) });

describe('MariaDB knowledge (src/db/mariadb)', () => {
  it('text types: everything not numeric, float, temporal, bit or binary (the list row-match had)', () => {
    const notText = [
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
      'float',
      'date',
      'datetime',
      'timestamp',
      'time',
      'bit',
    ];
    for (const t of [...notText, ...BINARY_TYPES]) assert.equal(isTextType(t), false, t);
    for (const t of ['char', 'varchar', 'text', 'longtext', 'enum', 'set', 'json', 'uuid', 'inet4', 'inet6']) assert.equal(isTextType(t), true, t);
    assert.equal(isTextType('VARCHAR'), true, 'any case');
    assert.ok([...NUMERIC_TYPES, ...TEMPORAL_TYPES].every((t) => notText.includes(t)));
    assert.ok(['geometry', 'point', 'blob'].every((t) => BINARY_TYPES.has(t)));
    assert.deepEqual(
      [...STRING_TYPES].filter((t) => !isTextType(t)),
      ['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob'],
      'secrets fit in text and byte strings',
    );
  });

  it('Unicode character sets survive utf8mb4; ascii and latin1 do not; decoder labels for showing text', () => {
    for (const cs of ['utf8mb4', 'UTF8MB3', 'utf8', 'ucs2', 'utf16', 'utf16le', 'utf32']) assert.equal(isUnicodeCharset(cs), true, cs);
    for (const cs of ['ascii', 'latin1', 'cp1251', 'binary']) assert.equal(isUnicodeCharset(cs), false, cs);
    assert.equal(CHARSET_ENCODINGS.latin1, 'windows-1252');
  });

  it('server errors: lock busy and refused statements from the driver error a DbsyncError wraps', () => {
    assert.equal(isLockBusy(driverErr('ER_LOCK_WAIT_TIMEOUT')), true);
    assert.equal(isLockBusy(driverErr('ER_LOCK_DEADLOCK')), true);
    assert.equal(isLockBusy(driverErr('ER_NO_SUCH_TABLE')), false);
    assert.equal(isLockBusy(new Error('plain')), false);
    assert.equal(isLockBusy(null), false);
    for (const code of ['ER_SPECIFIC_ACCESS_DENIED_ERROR', 'ER_PARSE_ERROR', 'ER_NOT_SUPPORTED_YET'])
      assert.equal(isStatementRefused(driverErr(code)), true, code);
    assert.equal(isStatementRefused(driverErr('PROTOCOL_CONNECTION_LOST')), false);
  });
});

describe('file-system errors (src/errors/fs-error.ts)', () => {
  it('describes and classifies the codes', () => {
    assert.equal(describeFsError(fsErr('ENOSPC')), 'no space left on device (ENOSPC)');
    assert.equal(describeFsError(fsErr('EBUSY')), 'EBUSY');
    assert.equal(describeFsError(new Error('boom')), 'boom');
    assert.deepEqual(
      ['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EIO', 'ENOENT'].map((c) => isFileSystemError(fsErr(c))),
      [true, true, true, true, true, true, false],
    );
    assert.deepEqual(
      ['ENOSPC', 'EDQUOT', 'EROFS'].map((c) => isDiskFull(fsErr(c))),
      [true, true, false],
    );
    assert.deepEqual(
      ['EROFS', 'EACCES', 'EPERM', 'EIO'].map((c) => isNotWritable(fsErr(c))),
      [true, true, true, false],
    );
  });

  it('gives the hints the stages wrote out before, word for word', () => {
    const full = fsErr('ENOSPC');
    const readOnly = fsErr('EROFS');
    // repo-lock
    assert.equal(writeFailureHint(full, 'the repository', 'the last commit is intact'), 'free disk space; the last commit is intact');
    assert.equal(writeFailureHint(readOnly, 'the repository', 'the last commit is intact'), 'make the repository writable; the last commit is intact');
    // write-snapshot
    const ws = (e: Error) =>
      writeFailureHint(e, 'the snapshot folder', 'the last commit is intact', 'the last commit is intact and the next pass completes the snapshot');
    assert.equal(ws(fsErr('EDQUOT')), 'free disk space; the last commit is intact and the next pass completes the snapshot');
    assert.equal(ws(fsErr('EACCES')), 'make the snapshot folder writable; the last commit is intact');
    // take-snapshot
    assert.equal(
      writeFailureHint(full, 'the repository', 'the last commit is intact', 'the last commit is intact and the next pass starts over'),
      'free disk space; the last commit is intact and the next pass starts over',
    );
    // watch-loop
    assert.equal(
      writeFailureHint(readOnly, 'the repository', 'the last commit is intact; retrying'),
      'make the repository writable; the last commit is intact; retrying',
    );
  });
});
