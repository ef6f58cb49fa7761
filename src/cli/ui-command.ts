import { UI_DEFAULT_ADDR } from '../config/config.js';
import { DbsyncError } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';
import { pageContextSource } from '../ui/page-context.js';
import { startUiServer, type UiServer } from '../ui/ui-server.js';
import { newUiToken } from '../ui/ui-token.js';
import type { CommandContext } from './context.js';

/**
 * Start the history page (src/ui) on DBSYNC_UI_ADDR (default UI_DEFAULT_ADDR) and print its
 * address with the token once, on stdout, and nowhere else: the log names the address without it.
 * Used by `ui` and, when DBSYNC_UI_ADDR is set, by `watch`.
 */
export async function startHistoryPage(ctx: CommandContext): Promise<UiServer> {
  const addr = ctx.config.ui.addr ?? UI_DEFAULT_ADDR;
  const token = ctx.config.ui.token ?? newUiToken();
  const server = await startUiServer({ context: pageContextSource(ctx.project), host: addr.host, port: addr.port, token, log: ctx.log }).catch(
    (err: unknown) => {
      const code = (err as NodeJS.ErrnoException).code;
      throw new DbsyncError({
        operation: 'start the history page',
        message: `cannot listen on ${addr.host}:${addr.port} (${code ?? String(err)})`,
        hint: code === 'EADDRINUSE' ? 'another program uses that port: set DBSYNC_UI_ADDR to another one (e.g. 127.0.0.1:8082)' : 'check DBSYNC_UI_ADDR',
        exitCode: ExitCode.Config,
        cause: err,
      });
    },
  );
  ctx.log.info(`history page at ${server.origin}/ (read-only)`);
  ctx.out(`history page: ${server.url}`);
  return server;
}

/** `git-dbsync ui`: the history page until SIGINT/SIGTERM. The project is opened read-only: git and the state file only. */
export async function uiCommand(ctx: CommandContext): Promise<number> {
  const server = await startHistoryPage(ctx);
  ctx.out('(open it in a browser on this computer; Ctrl+C stops it)');
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  return ExitCode.Ok;
}
