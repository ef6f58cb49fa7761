import { readFileSync } from 'node:fs';
import { BINLOG_HINT, BinlogSource } from '../detect/binlog-source.js';
import { ChecksumSource } from '../detect/checksum-source.js';
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
 * DBSYNC_CHANGE_SOURCE decides, once per command: `full` never narrows a read; `binlog` requires
 * the binary log; `checksum` uses chunk checksums (no binary log needed); `auto` uses the binary
 * log when the server allows it, else chunk checksums, and says why.
 */
export async function selectChangeSource(project: Project): Promise<SourceChoice> {
  const setting = project.config.changeSource;
  if (setting === 'full') return { source: null, line: 'change source: none (DBSYNC_CHANGE_SOURCE=full): every table is read on each change' };
  const hint = BINLOG_HINT.replace('<user>', project.config.db.user);
  const checksums = async (why: string): Promise<SourceChoice> => {
    const source = new ChecksumSource(project.connect);
    const a = await source.availability();
    if (a.ok) return { source, line: `change source: checksum (${why}: using chunk checksums; ${a.detail})` };
    if (setting === 'checksum') {
      throw new DbsyncError({
        operation: 'select change source',
        message: `DBSYNC_CHANGE_SOURCE=checksum, but ${a.reason}`,
        hint: 'set DBSYNC_CHANGE_SOURCE=auto or full',
        exitCode: ExitCode.Config,
      });
    }
    return { source: null, line: `${why}, and ${a.reason}: reading every table on each change` };
  };
  if (setting === 'checksum') return checksums('DBSYNC_CHANGE_SOURCE=checksum');
  const binlog = new BinlogSource(project.connect, project.config.db);
  const a = await binlog.availability();
  if (a.ok) return { source: binlog, line: `change source: binlog (${a.detail})` };
  if (setting === 'binlog') {
    throw new DbsyncError({
      operation: 'select change source',
      message: `DBSYNC_CHANGE_SOURCE=binlog, but ${a.reason}`,
      hint: `${hint}, or set DBSYNC_CHANGE_SOURCE=auto`,
      exitCode: ExitCode.Config,
    });
  }
  const choice = await checksums(a.reason);
  return { ...choice, line: `${choice.line}; for the binary log, ${hint}` };
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
