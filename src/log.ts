// One logger shape for the CLI and the action. Every line passes through the secret mask,
// so a password that reaches an error message still never reaches a log.

import { maskSecrets } from './db/mask.js';

export interface Logger {
  info(line: string): void;
  warn(line: string): void;
  debug(line: string): void;
  /** A live, overwritten status line; only present on a terminal. */
  progress?(line: string): void;
}

export interface ConsoleLoggerOptions {
  debug: boolean;
  /** Live progress line on a terminal; plain lines otherwise (CI logs). */
  tty: boolean;
  secrets: string[];
  /** Where lines go; stdout by default. JSON modes send logs to stderr to keep stdout parseable. */
  stream?: NodeJS.WriteStream;
}

export function createConsoleLogger(options: ConsoleLoggerOptions): Logger & { secrets: string[] } {
  const stream = options.stream ?? process.stdout;
  const secrets = options.secrets;
  let progressShown = false;
  const clearProgress = (): void => {
    if (progressShown) {
      stream.write('\r\x1b[2K');
      progressShown = false;
    }
  };
  const write = (line: string): void => {
    clearProgress();
    stream.write(`${maskSecrets(line, secrets)}\n`);
  };
  const logger: Logger & { secrets: string[] } = {
    secrets,
    info: write,
    warn: (line) => {
      clearProgress();
      process.stderr.write(`warning: ${maskSecrets(line, secrets)}\n`);
    },
    debug: (line) => {
      if (options.debug) write(`debug: ${line}`);
    },
  };
  if (options.tty) {
    logger.progress = (line) => {
      stream.write(`\r\x1b[2K${maskSecrets(line, secrets)}`);
      progressShown = true;
    };
  }
  return logger;
}

/** A logger that drops everything; for library callers and tests that only want results. */
export const silentLogger: Logger = { info: () => {}, warn: () => {}, debug: () => {} };
