import { createHash } from 'node:crypto';
import { access, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ChangedSince, ChangeSource } from '../detect/change-source.js';
import { writeFileAtomic } from '../fs/atomic-file.js';
import type { Project } from '../project/project.js';
import type { KeepRows, StagedSnapshot } from '../snapshot/take-snapshot.js';
import type { Database } from '../db/database.js';
import { planChunkReread, readChunkLayout, type ChunkLayout, type ChunkReread } from '../snapshot/chunk-plan.js';
import { keySpecOf } from '../detect/key-spec.js';
import type { TableInfo } from '../snapshot/table-info.js';
import { tableHistoryPath } from '../snapshot/layout.js';
import { keyedTables } from './keyed-tables.js';

/**
 * What is recorded with a committed snapshot so that the next pass may read only what changed:
 * the change source's position of that snapshot, the commit it belongs to, and the row counts of
 * its tables (kept tables are not read, but a pass reports and checks its row total). Kept in
 * .git/dbsync (never committed). It only counts while HEAD is that commit and the snapshot folder
 * equals HEAD: then the folder holds exactly the snapshot taken at `position`.
 */
interface ReadState {
  readonly source: string;
  readonly head: string;
  readonly snapshotPath: string;
  /** Everything besides the rows that shapes the files (filters, secrets, chunk size, version). */
  readonly settings: string;
  readonly position: string;
  readonly rowCounts: Readonly<Record<string, number>>;
}

/** How a pass read the database, for logs, status and the pass result. */
export interface ReadOutcome {
  /** The source used, or null for a plain full read. */
  readonly source: string | null;
  readonly tablesRead: number;
  readonly tablesKept: number;
  /** Why every table was read although a source is configured (null: it was not needed, or the source narrowed the read). */
  readonly fullBecause: string | null;
  /** Whether `fullBecause` is unexpected (a gap or doubt in the source) rather than routine (first pass, verification). */
  readonly warn: boolean;
  /** Tables read only in part (the chunks holding changed keys), and the chunks that read and kept. */
  readonly tablesByChunk?: number;
  readonly chunksRead?: number;
  readonly chunksKept?: number;
  /** Changed integer-keyed tables read whole although they are split into chunks, with the reason. */
  readonly wholeBecause?: Readonly<Record<string, string>>;
}

function statePath(project: Project): string {
  return path.join(project.stateDir, 'read-position.json');
}

/** A digest of every setting that changes the files written for unchanged rows: another value means the kept files could differ from a fresh read. */
export function settingsDigest(project: Project, version: string): string {
  const c = project.config;
  const key = c.secrets.key?.type === 'secret' ? c.secrets.key.export().toString('base64') : '';
  const text = JSON.stringify([
    version,
    c.includeTables,
    c.excludeTables,
    c.profile,
    c.schemaOnlyTables,
    c.secrets.mode,
    [...c.secrets.overrides],
    key,
    c.chunkBytes,
    c.db.database,
  ]);
  return createHash('sha256').update(text).digest('hex');
}

/**
 * A pass's plan for which tables to read. `keepRows` goes to takeSnapshot (it is asked inside the
 * snapshot's transaction, once the new position is known); `record` runs after the commit.
 */
export class ReadPlan {
  private previous: ReadState | null = null;
  private fallback: { reason: string; warn: boolean } | null = null;
  private position: string | null = null;
  private outcome: ReadOutcome;
  // What the parts of one snapshot's keepRows found so far (see keepRows).
  private readonly parts: Array<string | null> = [];
  private changed: { asked: string; answer: ChangedSince } | null = null;
  private readonly kept = new Map<string, number>();
  private readonly whole: Record<string, string> = {};
  private asked = 0;
  private chunksPlanned = 0;

  private constructor(
    private readonly project: Project,
    private readonly source: ChangeSource,
    private readonly settings: string,
  ) {
    this.outcome = { source: source.name, tablesRead: 0, tablesKept: 0, fullBecause: null, warn: false };
  }

  /**
   * Check the recorded state against HEAD and the working tree. `full` forces a full read (a
   * verification pass: it catches what the source cannot see), still recording the position.
   */
  static async prepare(project: Project, source: ChangeSource, settings: string, full: string | null): Promise<ReadPlan> {
    const plan = new ReadPlan(project, source, settings);
    if (full) {
      plan.fallback = { reason: full, warn: false };
      return plan;
    }
    const state = await readState(project);
    const why = await plan.invalid(state);
    if (why) plan.fallback = { reason: why, warn: false };
    else plan.previous = state;
    return plan;
  }

  /** Why the recorded state cannot be used, or null. */
  private async invalid(state: ReadState | null): Promise<string | null> {
    if (!state) return 'no position recorded yet';
    if (state.source !== this.source.name) return `the last snapshot was recorded by ${state.source}`;
    if (state.snapshotPath !== this.project.snapshotPath || state.settings !== this.settings) return 'settings changed since the last snapshot';
    // One git command for both checks: HEAD (`# branch.oid`), and untracked, ignored or modified
    // files in the snapshot folder (any other line: it is not exactly that commit's snapshot).
    // A plain path: the git module sets GIT_LITERAL_PATHSPECS, under which no `:(magic)` is parsed
    // (`:(literal)database` would name a file of that name and match nothing: every check passed).
    const pathspec = this.project.snapshotPath || '.';
    const r = await this.project.git.run([
      '--no-optional-locks',
      'status',
      '--porcelain=v2',
      '--branch',
      '-z',
      '--untracked-files=all',
      '--ignored=matching',
      '--',
      pathspec,
    ]);
    if (r.code !== 0) return 'git status failed';
    const entries = r.stdout
      .toString('utf8')
      .split('\0')
      .filter((e) => e.length > 0);
    const head = entries.find((e) => e.startsWith('# branch.oid '))?.slice('# branch.oid '.length);
    if (head !== state.head) return 'HEAD is not the commit the position was recorded with';
    if (entries.some((e) => !e.startsWith('# '))) return 'the snapshot folder differs from HEAD';
    return null;
  }

  /**
   * Inside the snapshot: ask the source what changed since the recorded position. Tables it does
   * not name keep their rows; integer-keyed tables split into chunks that it names with their
   * changed keys are read only in the chunks those keys fall in (chunk-plan.ts); every other
   * changed table, and every table a foreign key action may have changed, is read whole.
   *
   * Asked once or twice per snapshot (take-snapshot.ts: the locked tables, then the MVCC ones):
   * the parts' positions are combined into the one recorded, and the source's answer for the
   * same two positions is asked for once (`all` names the keyed tables of both parts).
   */
  readonly keepRows: KeepRows = async (reader, tables, sessionFor, all) => {
    const schema = this.project.config.db.database;
    // Read only when the source asks (the binlog source does not; planChunkReread reads its tables' layouts itself).
    const read: { layouts?: Map<string, ChunkLayout> } = {};
    const boundaries = async () => {
      read.layouts ??= await chunkLayouts(this.project.snapshotAbs, tables);
      return new Map([...read.layouts].map(([name, l]) => [name, l.chunks.slice(1).map((c) => c.first[0]!)]));
    };
    const position = await this.source.positionOf(reader, { schema, tables, boundaries, previous: this.previous?.position ?? null, sessionFor });
    this.parts.push(position);
    this.position = combinePositions(this.source, this.parts);
    const kept = new Map<string, number>();
    const chunks = new Map<string, ChunkReread>();
    if (position === null) {
      this.fallback = { reason: `${this.source.name}: the server reports no position`, warn: true };
    } else if (!this.fallback && this.previous) {
      const previous = this.previous;
      const keyed = await keyedTables(this.project.snapshotAbs, all, previous.rowCounts);
      const asked = `${previous.position}\n${position}`;
      if (this.changed?.asked !== asked) {
        this.changed = { asked, answer: await this.source.changedBetween(previous.position, position, schema, undefined, keyed) };
      }
      const changed = this.changed.answer;
      if (changed.kind === 'everything') this.fallback = { reason: changed.reason, warn: true };
      else {
        const named = new Set([...changed.tables].map((t) => t.toLowerCase()));
        // The binary log lacks the rows a foreign key action changes; checksums see them.
        const cascaded = this.source.verifies ? new Set<string>() : await cascadeChildren(reader, schema, named);
        for (const t of tables) {
          const rows = previous.rowCounts[t.name];
          // A table without a recorded count was not in the last snapshot with rows: read it.
          if (rows === undefined) continue;
          const lower = t.name.toLowerCase();
          // A versioned table without its history file in the working tree (written by an earlier
          // version of git-dbsync, or before history was kept) is read, so the file comes into being.
          const historyMissing = t.history !== undefined && !(await exists(path.join(this.project.snapshotAbs, tableHistoryPath(t.name))));
          if (!named.has(lower) && !cascaded.has(lower) && !historyMissing) {
            kept.set(t.name, rows);
            continue;
          }
          // A versioned table whose history is kept: any change is read whole, history included
          // (an UPDATE that changes no value still adds a history row; DELETE HISTORY changes no current row).
          if (t.history) {
            this.whole[t.name] = 'system-versioned: read whole with its history';
            continue;
          }
          const spec = keyed.get(t.name);
          const keys = changed.keys?.get(t.name);
          const ranges = changed.ranges?.get(t.name);
          if (!spec) continue;
          if (cascaded.has(lower)) this.whole[t.name] = 'a foreign key action may have changed it';
          else if (!keys && !ranges) this.whole[t.name] = changed.wholeBecause?.get(t.name) ?? 'no keys from the change source';
          else {
            const layout = read.layouts?.get(t.name);
            const plan = await planChunkReread({ snapshotAbs: this.project.snapshotAbs, table: t, spec, keys, ranges, previousRows: rows, layout });
            if (plan.kind === 'keep') kept.set(t.name, rows);
            else if (plan.kind === 'chunks') chunks.set(t.name, plan.reread);
            else this.whole[t.name] = plan.reason;
          }
        }
      }
    }
    this.asked += tables.length;
    for (const [name, rows] of kept) this.kept.set(name, rows);
    this.chunksPlanned += chunks.size;
    const none = this.kept.size === 0 && this.chunksPlanned === 0;
    this.outcome = {
      source: this.source.name,
      tablesRead: this.asked - this.kept.size,
      tablesKept: this.kept.size,
      fullBecause: none && this.fallback ? this.fallback.reason : null,
      warn: none && (this.fallback?.warn ?? false),
      ...(Object.keys(this.whole).length > 0 ? { wholeBecause: { ...this.whole } } : {}),
    };
    return { tables: kept, chunks };
  };

  /** How this pass read the database (valid once the snapshot was taken; `staged` adds what the chunk reads did). */
  result(staged?: StagedSnapshot): ReadOutcome {
    if (!staged?.chunked && !staged?.chunkFallbacks?.size) return this.outcome;
    let chunksRead = 0;
    let chunksKept = 0;
    for (const c of staged.chunked?.values() ?? []) {
      chunksRead += c.chunksRead;
      chunksKept += c.chunksKept;
    }
    const whole = { ...this.outcome.wholeBecause, ...Object.fromEntries(staged.chunkFallbacks ?? []) };
    return {
      ...this.outcome,
      tablesByChunk: staged.chunked?.size ?? 0,
      chunksRead,
      chunksKept,
      ...(Object.keys(whole).length > 0 ? { wholeBecause: whole } : {}),
    };
  }

  /**
   * After a successful commit (or a pass that found nothing to commit): the snapshot folder now
   * equals HEAD and holds the snapshot taken at this pass's position. Without a position the old
   * state is removed, so that the next pass reads everything. `head`: HEAD now (the new commit, if any).
   */
  async record(staged: StagedSnapshot, head: string | null): Promise<void> {
    if (this.position === null || head === null) {
      await rm(statePath(this.project), { force: true });
      return;
    }
    const state: ReadState = {
      source: this.source.name,
      head,
      snapshotPath: this.project.snapshotPath,
      settings: this.settings,
      position: this.position,
      rowCounts: Object.fromEntries(staged.rowCounts),
    };
    await writeFileAtomic(statePath(this.project), JSON.stringify(state) + '\n');
  }

  /** Forget the recorded position (a pass failed after touching the working tree or HEAD). */
  async forget(): Promise<void> {
    await rm(statePath(this.project), { force: true });
  }
}

/**
 * One position for a snapshot asked about in parts: null when a part has none; the source's own
 * combination where it has one (checksums per table); else the parts must agree (a binary log
 * position is the snapshot's, the same in every part).
 */
function combinePositions(source: ChangeSource, parts: ReadonlyArray<string | null>): string | null {
  if (parts.some((p) => p === null)) return null;
  const texts = parts as readonly string[];
  if (texts.length === 1) return texts[0]!;
  if (source.combine) return source.combine(texts);
  return texts.every((p) => p === texts[0]) ? texts[0]! : null;
}

/** The chunk layouts of the tables split into chunk files whose key is one integer column (their ranges can be checksummed apart). */
async function chunkLayouts(snapshotAbs: string, tables: readonly TableInfo[]): Promise<Map<string, ChunkLayout>> {
  const out = new Map<string, ChunkLayout>();
  for (const t of tables) {
    const spec = keySpecOf(t);
    if (spec?.key.length !== 1) continue;
    const layout = await readChunkLayout(snapshotAbs, t, spec);
    if (!('kind' in layout)) out.set(t.name, layout);
  }
  return out;
}

async function readState(project: Project): Promise<ReadState | null> {
  try {
    const v = JSON.parse(await readFile(statePath(project), 'utf8')) as Partial<ReadState>;
    if (
      typeof v.head !== 'string' ||
      typeof v.position !== 'string' ||
      typeof v.source !== 'string' ||
      typeof v.settings !== 'string' ||
      typeof v.snapshotPath !== 'string' ||
      typeof v.rowCounts !== 'object' ||
      v.rowCounts === null
    )
      return null;
    return v as ReadState;
  } catch {
    return null;
  }
}

/**
 * The changed tables plus every table whose rows a foreign key action may have changed with them.
 * MariaDB does not write the rows that ON DELETE/UPDATE CASCADE, SET NULL or SET DEFAULT change in a
 * child table to the binary log (the replica's own InnoDB repeats the action), so a delete in
 * `ip_invoices` that cascades to `ip_invoice_items` names only `ip_invoices` there. Children of a
 * changed table are read too, transitively. Names are compared in lower case: that can only read
 * more, never less.
 */
export async function withCascades(reader: Database, schema: string, changed: Set<string>): Promise<Set<string>> {
  return new Set([...changed, ...(await cascadeChildren(reader, schema, changed))]);
}

/** The tables whose rows a foreign key action of a change in `changed` may have changed (transitively; a changed table is among them only when it is such a child too). Lower case. */
export async function cascadeChildren(reader: Database, schema: string, changed: ReadonlySet<string>): Promise<Set<string>> {
  if (changed.size === 0) return new Set();
  const rows = await reader.queryArrays(
    "SELECT TABLE_NAME, REFERENCED_TABLE_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? AND UNIQUE_CONSTRAINT_SCHEMA = ? AND (DELETE_RULE NOT IN ('RESTRICT', 'NO ACTION') OR UPDATE_RULE NOT IN ('RESTRICT', 'NO ACTION'))",
    [schema, schema],
    'read foreign keys',
  );
  const children = new Map<string, string[]>();
  for (const [child, parent] of rows) {
    if (!child || !parent) continue;
    const list = children.get(parent.toLowerCase()) ?? [];
    list.push(child.toLowerCase());
    children.set(parent.toLowerCase(), list);
  }
  const out = new Set<string>();
  const queue = [...changed];
  while (queue.length > 0) {
    for (const child of children.get(queue.pop()!) ?? []) {
      if (out.has(child)) continue;
      out.add(child);
      queue.push(child);
    }
  }
  return out;
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );
