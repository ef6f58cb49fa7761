import { ExitCode } from './exit-codes.js';

/**
 * Every failure the user can see is a DbsyncError: what was being done (`operation`), what went
 * wrong (`message`), and what to do about it (`hint`). The CLI renders it as one line.
 */
export class DbsyncError extends Error {
  readonly operation: string;
  readonly hint: string;
  readonly exitCode: ExitCode;

  constructor(opts: { operation: string; message: string; hint: string; exitCode?: ExitCode; cause?: unknown }) {
    super(opts.message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'DbsyncError';
    this.operation = opts.operation;
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? ExitCode.Failure;
  }

  /** One line: "<operation>: <message> (<hint>)". */
  toLine(): string {
    return `${this.operation}: ${this.message}${this.hint ? ` -- ${this.hint}` : ''}`;
  }
}

/** The message of any thrown value, without stack. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
