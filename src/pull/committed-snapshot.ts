import { snapshotPrefix, type Project } from '../project/project.js';
import { columnsFromCreate, tableNameFromCreate } from '../snapshot/create-table-text.js';
import { dataFilesByTable, TABLES_DIR } from '../snapshot/layout.js';
import { treeAt, type SnapshotTree } from '../detect/compare-with-commit.js';

/** One table of a committed snapshot, by the blob ids of its files (cheap to compare between commits). */
export interface CommittedTable {
  /** Encoded file stem (`data/<stem>.sql`): the same table has the same stem in every commit. */
  readonly stem: string;
  readonly schemaBlob: string;
  /** Data files (relative to the snapshot folder), first chunk first, and their blob ids. */
  readonly dataFiles: readonly string[];
  readonly dataBlobs: readonly string[];
}

/** The snapshot of one commit: its files and tables (by stem). */
export interface CommittedSnapshot {
  readonly commit: string;
  readonly tree: SnapshotTree;
  readonly tables: ReadonlyMap<string, CommittedTable>;
}

export async function readCommittedSnapshot(project: Project, commit: string): Promise<CommittedSnapshot> {
  const tree = await treeAt(project, commit);
  const data = dataFilesByTable(tree.keys());
  const tables = new Map<string, CommittedTable>();
  for (const [rel, blob] of tree) {
    if (!rel.startsWith(TABLES_DIR + '/')) continue;
    const stem = rel.slice(TABLES_DIR.length + 1, -'.sql'.length);
    const files = data.get(stem) ?? [];
    tables.set(stem, { stem, schemaBlob: blob, dataFiles: files, dataBlobs: files.map((f) => tree.get(f)!) });
  }
  return { commit, tree, tables };
}

/** Same definition and same rows (same blobs); two absent tables are the same too. */
export function sameTable(a: CommittedTable | undefined, b: CommittedTable | undefined): boolean {
  if (!a || !b) return a === b;
  return a.schemaBlob === b.schemaBlob && a.dataBlobs.join(' ') === b.dataBlobs.join(' ');
}

/** Same definition (the CREATE TABLE text). */
export function sameSchema(a: CommittedTable | undefined, b: CommittedTable | undefined): boolean {
  if (!a || !b) return a === b;
  return a.schemaBlob === b.schemaBlob;
}

/** Reads the text of committed tables; caches blobs (a pull reads each at most once). */
export class SnapshotReader {
  private readonly blobs = new Map<string, string>();

  constructor(private readonly project: Project) {}

  private async blob(commit: string, rel: string, sha: string): Promise<string> {
    const hit = this.blobs.get(sha);
    if (hit !== undefined) return hit;
    const text = (await this.project.git.readBlob(commit, snapshotPrefix(this.project) + rel))?.toString('utf8') ?? '';
    this.blobs.set(sha, text);
    return text;
  }

  /** The CREATE TABLE statement as committed (with its trailing `;`). */
  async createText(snap: CommittedSnapshot, t: CommittedTable): Promise<string> {
    return this.blob(snap.commit, `${TABLES_DIR}/${t.stem}.sql`, t.schemaBlob);
  }

  async tableName(snap: CommittedSnapshot, t: CommittedTable): Promise<string | null> {
    return tableNameFromCreate(await this.createText(snap, t));
  }

  async columns(snap: CommittedSnapshot, t: CommittedTable): Promise<string[]> {
    return columnsFromCreate(await this.createText(snap, t));
  }

  /** The text of one data file of a table (`index` into its dataFiles). */
  async dataText(snap: CommittedSnapshot, t: CommittedTable, index: number): Promise<string> {
    return this.blob(snap.commit, t.dataFiles[index]!, t.dataBlobs[index]!);
  }

  /** Every row line of the table (all chunks), without newlines. */
  async lines(snap: CommittedSnapshot, t: CommittedTable | undefined): Promise<string[]> {
    if (!t) return [];
    const out: string[] = [];
    for (let i = 0; i < t.dataFiles.length; i++) {
      const text = await this.blob(snap.commit, t.dataFiles[i]!, t.dataBlobs[i]!);
      for (const l of text.split('\n')) if (l.length > 0) out.push(l);
    }
    return out;
  }
}
