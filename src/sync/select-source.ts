import { readFileSync } from 'node:fs';
import { BINLOG_HINT, BinlogSource } from '../detect/binlog-source.js';
import type { ChangeSource } from '../detect/change-source.js';
import { DbsyncError } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';
import type { Project } from '../project/project.js';

/** The change source in force for a project, and one line saying which and why (start-up log, status). */
export interface SourceChoice {
  readonly source: ChangeSource | null;
  readonly line: string;
}

/**
 * DBSYNC_CHANGE_SOURCE decides, once per command: `full` never narrows a read; `auto` uses the
 * binary log when the server allows it and says why not otherwise; `binlog` requires it.
 */
export async function selectChangeSource(project: Project): Promise<SourceChoice> {
  const setting = project.config.changeSource;
  if (setting === 'full') return { source: null, line: 'change source: none (DBSYNC_CHANGE_SOURCE=full): every table is read on each change' };
  const binlog = new BinlogSource(project.connect, project.config.db);
  const a = await binlog.availability();
  if (a.ok) return { source: binlog, line: `change source: binlog (${a.detail})` };
  if (setting === 'binlog') {
    throw new DbsyncError({
      operation: 'select change source',
      message: `DBSYNC_CHANGE_SOURCE=binlog, but ${a.reason}`,
      hint: `${BINLOG_HINT.replace('<user>', project.config.db.user)}, or set DBSYNC_CHANGE_SOURCE=auto`,
      exitCode: ExitCode.Config,
    });
  }
  return { source: null, line: `${a.reason}: reading every table on each change; ${BINLOG_HINT.replace('<user>', project.config.db.user)}` };
}

let version: string | null = null;
/** This build's version: part of the settings digest, so an upgrade reads everything once. */
export function toolVersion(): string {
  if (version === null) {
    try {
      version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    } catch {
      version = 'unknown';
    }
  }
  return version;
}
