import { UI_DEFAULT_ADDR } from '../config/config.js';
import { DbsyncError } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';
import { pageContextSource } from '../ui/page-context.js';
import { restoreInvoice } from '../record/restore-invoice.js';
import { restoreRow } from '../record/restore-row.js';
import { resolveConflict } from '../resolve/resolve-conflict.js';
import { restoreSnapshot } from '../restore/restore-snapshot.js';
import type { UiRestore } from '../ui/ui-restore.js';
import { startUiServer, type UiServer } from '../ui/ui-server.js';
import { newUiToken } from '../ui/ui-token.js';
import type { CommandContext } from './context.js';
import { errnoCode } from '../errors/fs-error.js';

/**
 * Start the history page (src/ui) on DBSYNC_UI_ADDR (default UI_DEFAULT_ADDR) and print its
 * address with the token once, on stdout, and nowhere else: the log names the address without it.
 * Used by `ui` and, when DBSYNC_UI_ADDR is set, by `watch`.
 */
export async function startHistoryPage(ctx: CommandContext, opts: { readonly allowRestore?: boolean } = {}): Promise<UiServer> {
  const addr = ctx.config.ui.addr ?? UI_DEFAULT_ADDR;
  const token = ctx.config.ui.token ?? newUiToken();
  // The same code as the commands: `restore REV --tables T`, `restore row`, `restore invoice` (--yes for apply), `resolve`.
  const { project } = ctx;
  const restore: UiRestore | undefined = opts.allowRestore
    ? {
        plan: (commit, table) => restoreSnapshot(project, { rev: commit, tables: [table], apply: false, dropExtra: false }),
        apply: (commit, table) => restoreSnapshot(project, { rev: commit, tables: [table], apply: true, dropExtra: false }),
        row: (table, key, commit, apply) => restoreRow(project, { table, key, rev: commit, apply }),
        invoice: (number, commit, apply) => restoreInvoice(project, { number, rev: commit, apply }),
        resolve: (req) => resolveConflict(project, req),
      }
    : undefined;
  const server = await startUiServer({
    context: pageContextSource(ctx.project),
    host: addr.host,
    port: addr.port,
    token,
    log: ctx.log,
    ...(restore ? { restore } : {}),
  }).catch((err: unknown) => {
    const code = errnoCode(err);
    throw new DbsyncError({
      operation: 'start the history page',
      message: `cannot listen on ${addr.host}:${addr.port} (${code ?? String(err)})`,
      hint: code === 'EADDRINUSE' ? 'another program uses that port: set DBSYNC_UI_ADDR to another one (e.g. 127.0.0.1:8082)' : 'check DBSYNC_UI_ADDR',
      exitCode: ExitCode.Config,
      cause: err,
    });
  });
  ctx.log.info(`history page at ${server.origin}/ (${restore ? 'restores and conflict resolution allowed, plan first' : 'read-only'})`);
  ctx.out(`history page: ${server.url}`);
  return server;
}

/**
 * `git-dbsync ui`: the history page until SIGINT/SIGTERM. The project is opened read-only (git and
 * the state file only), unless `--allow-restore` (DBSYNC_UI_ALLOW_RESTORE=1): then tables and records
 * can be brought back and conflicts resolved from the page.
 */
export async function uiCommand(ctx: CommandContext, opts: { readonly allowRestore?: boolean } = {}): Promise<number> {
  const server = await startHistoryPage(ctx, opts);
  ctx.out('(open it in a browser on this computer; Ctrl+C stops it)');
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  return ExitCode.Ok;
}
