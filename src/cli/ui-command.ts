import { UI_DEFAULT_ADDR } from '../config/config.js';
import { DbsyncError } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';
import { pageContext } from '../ui/page-context.js';
import { startUiServer } from '../ui/ui-server.js';
import { newUiToken } from '../ui/ui-token.js';
import type { CommandContext } from './context.js';

/**
 * `git-dbsync ui`: the history page (src/ui) until SIGINT/SIGTERM. Reads git and the state file
 * only (the project is opened read-only). The address with the token is printed once, on stdout,
 * and nowhere else: the log names the address without it.
 */
export async function uiCommand(ctx: CommandContext): Promise<number> {
  const addr = ctx.config.ui.addr ?? UI_DEFAULT_ADDR;
  const token = ctx.config.ui.token ?? newUiToken();
  const server = await startUiServer({ ctx: await pageContext(ctx.project), host: addr.host, port: addr.port, token, log: ctx.log }).catch((err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DbsyncError({
      operation: 'start the history page',
      message: `cannot listen on ${addr.host}:${addr.port} (${code ?? String(err)})`,
      hint: code === 'EADDRINUSE' ? 'another program uses that port: set DBSYNC_UI_ADDR to another one (e.g. 127.0.0.1:8082)' : 'check DBSYNC_UI_ADDR',
      exitCode: ExitCode.Config,
      cause: err,
    });
  });
  ctx.log.info(`history page at ${server.origin}/ (read-only)`);
  ctx.out(`history page: ${server.url}`);
  ctx.out('(open it in a browser on this computer; Ctrl+C stops it)');
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  return ExitCode.Ok;
}
