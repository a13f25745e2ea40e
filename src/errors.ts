// Errors the user can fix (bad config, flags, inputs, baselines, URLs) are UserErrors:
// entry points print their one-line message without a stack trace and exit with code 2.

export const EXIT_OK = 0;
/** The run failed: a database error, a partial run, an internal fault. */
export const EXIT_FAILURE = 1;
/** Bad input: config, flags, action inputs, baseline files, database URLs. */
export const EXIT_BAD_INPUT = 2;
/** The gate found a regression (or an inconclusive result with fail-on: inconclusive). */
export const EXIT_REGRESSION = 3;
/** Interrupted by SIGINT/SIGTERM; partial results were written. */
export const EXIT_INTERRUPTED = 130;

export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export class UserError extends Error {
  readonly exitCode = EXIT_BAD_INPUT;
  readonly location: SourceLocation | null;

  constructor(message: string, location: SourceLocation | null = null) {
    super(location ? `${location.file}:${location.line}:${location.column}: ${message}` : message);
    this.name = 'UserError';
    this.location = location;
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}
