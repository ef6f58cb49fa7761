import type { ApplyOptions } from '../apply/apply-row-changes.js';
import type { Database } from '../db/database.js';
import type { Project } from '../project/project.js';
import { PassPolicy, policySettings } from '../policy/pass-policy.js';
import type { TableSecrets } from '../secrets/table-secrets.js';
import { describeTables, listTables } from '../snapshot/schema-reader.js';
import type { TableInfo } from '../snapshot/table-info.js';

/**
 * The live tables as the snapshot sees them (columns, order key) and their secret cells (the same
 * policy as the snapshot's), for writing the other side's rows. Read again after a table is created.
 */
export class LiveSchema {
  private constructor(
    private readonly project: Project,
    private readonly infos: Map<string, TableInfo>,
    private secretsByTable: ReadonlyMap<string, TableSecrets>,
  ) {}

  static async read(project: Project, db: Database): Promise<LiveSchema> {
    const s = new LiveSchema(project, new Map(), new Map());
    await s.refresh(db);
    return s;
  }

  async refresh(db: Database): Promise<void> {
    const schema = this.project.config.db.database;
    const { tables } = await listTables(db, schema, { include: [], exclude: [] });
    const infos = await describeTables(db, schema, tables);
    this.infos.clear();
    for (const t of infos) this.infos.set(t.name, t);
    // Decided again from the live tables: a pull into an empty database creates the profile's tables.
    const policy = PassPolicy.decide(policySettings(this.project.config), this.infos.keys());
    this.secretsByTable = policy.planSecrets(infos).tables;
    this.applyOptions = { policy };
  }

  /** What the apply engine needs to format rows as the snapshot does. */
  applyOptions: ApplyOptions = {};

  info(name: string): TableInfo | undefined {
    return this.infos.get(name);
  }

  secrets(name: string): TableSecrets | null {
    return this.secretsByTable.get(name) ?? null;
  }
}

/** The key the merge matches rows by: the order key, unless a key column is generated (written as DEFAULT: rows are then whole lines, as in RowWriter). */
export function mergeKeyColumns(t: TableInfo): string[] {
  const cols = t.orderKey.map((k) => t.columns.find((c) => c.name === k));
  return cols.every((c) => c && !c.generated) ? [...t.orderKey] : [];
}
