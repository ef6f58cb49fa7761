import { DbsyncError } from '../errors/dbsync-error.js';
import { quoteId, readQuotedId } from './sql-text.js';

/**
 * A MariaDB SEQUENCE: its definition and its state, as numbers. The snapshot holds it as two
 * statements on one line of sequences.sql (loaded before the tables: a column's DEFAULT may call
 * NEXTVAL of it), in name order:
 *
 *   CREATE SEQUENCE `s` start with 1 minvalue 1 maxvalue 9223372036854775806 increment by 1 cache 1000 nocycle ENGINE=InnoDB; SELECT SETVAL(`s`, 1001, 0, 0);
 *
 * The text is always made from the parsed numbers (never pasted from the server or the
 * repository), so a line either parses into these fields or is refused.
 */
export interface Sequence {
  readonly name: string;
  readonly start: bigint;
  readonly min: bigint;
  readonly max: bigint;
  readonly increment: bigint;
  /** 0: nocache. */
  readonly cache: bigint;
  readonly cycle: boolean;
  readonly engine: string;
  /** The next value NEXTVAL hands out after a restart (values cached in the server's memory are skipped, as after a server restart). */
  readonly next: bigint;
  /** How many times the sequence cycled (SETVAL's round). */
  readonly round: bigint;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const NUMBER = '(-?[0-9]{1,20})';
const DEFINITION = new RegExp(
  `^ start with ${NUMBER} minvalue ${NUMBER} maxvalue ${NUMBER} increment by ${NUMBER} (nocache|cache ([0-9]{1,20})) (nocycle|cycle) ENGINE=([A-Za-z][A-Za-z0-9_]{0,63})$`,
);
const STATE = new RegExp(`^; SELECT SETVAL\\((\`(?:[^\`]|\`\`)+\`), ${NUMBER}, 0, ([0-9]{1,20})\\);$`);

function int64(text: string, what: string): bigint {
  const n = BigInt(text);
  if (n < INT64_MIN || n > INT64_MAX) throw new Error(`${what} ${text} is outside the range of a sequence`);
  return n;
}

/** `CREATE SEQUENCE ...`: the definition clause of SHOW CREATE SEQUENCE, in the server's own words. */
export function sequenceDefinition(s: Sequence): string {
  const cache = s.cache === 0n ? 'nocache' : `cache ${s.cache}`;
  return `CREATE SEQUENCE ${quoteId(s.name)} start with ${s.start} minvalue ${s.min} maxvalue ${s.max} increment by ${s.increment} ${cache} ${s.cycle ? 'cycle' : 'nocycle'} ENGINE=${s.engine}`;
}

/** `SELECT SETVAL(...)`: the next value NEXTVAL returns (is_used 0) and the round. */
export function sequenceState(s: Sequence): string {
  return `SELECT SETVAL(${quoteId(s.name)}, ${s.next}, 0, ${s.round})`;
}

export function formatSequenceFile(sequences: readonly Sequence[]): string {
  return sequences.map((s) => `${sequenceDefinition(s)}; ${sequenceState(s)};\n`).join('');
}

/**
 * Parse SHOW CREATE SEQUENCE's text (or a definition from the repository). Anything it does not
 * know (a COMMENT, table options) is refused rather than dropped: `null`.
 */
export function parseSequenceDefinition(text: string): Omit<Sequence, 'next' | 'round'> | null {
  if (!text.startsWith('CREATE SEQUENCE `')) return null;
  const { name, end } = readQuotedId(text, 'CREATE SEQUENCE '.length);
  const m = DEFINITION.exec(text.slice(end));
  if (!m) return null;
  return {
    name,
    start: int64(m[1]!, 'start'),
    min: int64(m[2]!, 'minvalue'),
    max: int64(m[3]!, 'maxvalue'),
    increment: int64(m[4]!, 'increment'),
    cache: m[6] === undefined ? 0n : int64(m[6], 'cache'),
    cycle: m[7] === 'cycle',
    engine: m[8]!,
  };
}

/** A line of sequences.sql that is not in the format git-dbsync writes. */
export class SequenceFileError extends Error {
  constructor(
    readonly line: number,
    readonly why: string,
  ) {
    super(`sequences.sql line ${line}: ${why}`);
  }
}

/** The sequences of a sequences.sql text; throws a SequenceFileError naming the line on anything not in this format. */
export function parseSequenceFile(text: string): Sequence[] {
  if (text === '') return [];
  if (!text.endsWith('\n')) throw new SequenceFileError(text.split('\n').length, 'the file does not end with a line break');
  const out: Sequence[] = [];
  const lines = text.slice(0, -1).split('\n');
  for (const [i, line] of lines.entries()) {
    const fail = (why: string) => new SequenceFileError(i + 1, why);
    const cut = line.indexOf('; SELECT SETVAL(');
    if (cut < 0) throw fail('not a CREATE SEQUENCE and SETVAL line');
    let def: ReturnType<typeof parseSequenceDefinition>;
    try {
      def = parseSequenceDefinition(line.slice(0, cut));
    } catch (e) {
      throw fail((e as Error).message);
    }
    if (!def) throw fail('not a sequence definition git-dbsync writes');
    const m = STATE.exec(line.slice(cut));
    if (!m || readQuotedId(m[1]!, 0).name !== def.name) throw fail('the SETVAL does not name the sequence, or is not in the form git-dbsync writes');
    const seq: Sequence = { ...def, next: int64(m[2]!, 'next value'), round: int64(m[3]!, 'round') };
    if (`${sequenceDefinition(seq)}; ${sequenceState(seq)};` !== line) throw fail('not in the canonical form git-dbsync writes');
    if (out.length > 0 && !(out[out.length - 1]!.name < seq.name)) throw fail('sequences are not in name order (or one is listed twice)');
    out.push(seq);
  }
  return out;
}

/** The error for a sequence whose definition git-dbsync cannot write exactly. */
export function unsupportedSequence(name: string, create: string): DbsyncError {
  return new DbsyncError({
    operation: 'read sequences',
    message: `sequence ${JSON.stringify(name)} has options git-dbsync cannot write exactly (${create.slice(0, 200)})`,
    hint: `drop the COMMENT or table options of the sequence, or leave it out with DBSYNC_EXCLUDE_TABLES=${name}`,
  });
}
