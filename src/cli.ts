// `pgscale` command line: a thin shell over the same pipeline the action runs.

import { Command, CommanderError, Option } from 'commander';
import { abCommand, type AbFlags } from './commands/ab.js';
import { analyzeCommand } from './commands/analyze.js';
import { compareCommand, type CompareFlags } from './commands/compare.js';
import { dryRunCommand, runCommand } from './commands/run.js';
import { EXIT_BAD_INPUT, EXIT_FAILURE, isUserError } from './errors.js';
import { maskSecrets } from './db/mask.js';
import { VERSION } from './version.js';

const EXIT_CODES_HELP = `
Exit codes:
  0    success (and, for a gate, no regression)
  1    the run failed or stopped early; partial results were written
  2    bad input: config, flags, baseline or database URL
  3    regression found (gate modes)
  130  interrupted (SIGINT/SIGTERM); partial results were written`;

interface RunFlags {
  config?: string;
  progressive?: boolean;
  setup?: boolean;
  databaseUrl?: string;
  exportPath?: string;
  exportFormat?: 'csv' | 'json' | 'both';
  dryRun?: boolean;
  json?: boolean;
}

function addRunOptions(command: Command): Command {
  return command
    .option('-c, --config <file>', 'progressive YAML config file')
    .option('--progressive', 'run progressive mode even if progressive.enabled is false')
    .option('--setup', 'create and fill the workload tables before running (idempotent)')
    .option(
      '--database-url <url>',
      'postgres:// URL; what it leaves out comes from the config, ' +
        'DATABASE_URL, then PG* variables (none: an embedded server)',
    )
    .option('--export-path <dir>', 'directory for results.json / results.csv / report.md')
    .addOption(new Option('--export-format <format>', 'which exports to write').choices(['csv', 'json', 'both']))
    .option('--dry-run', 'print the band plan and its estimated duration without connecting')
    .option('--json', 'machine-readable output on stdout (logs go to stderr)');
}

async function runAction(flags: RunFlags): Promise<number> {
  if (!flags.config) {
    throw new CommanderError(
      EXIT_BAD_INPUT,
      'pgscale.missingConfig',
      "error: required option '--config <file>' not specified",
    );
  }
  const request = {
    configPath: flags.config,
    progressive: flags.progressive ?? false,
    setup: flags.setup ?? false,
    databaseUrl: flags.databaseUrl,
    exportPath: flags.exportPath,
    exportFormat: flags.exportFormat,
    json: flags.json ?? false,
  };
  return flags.dryRun ? dryRunCommand(request) : runCommand(request);
}

export function buildProgram(): Command {
  const program = new Command('pgscale')
    .description('Progressive connection-scaling benchmarks for PostgreSQL')
    .version(VERSION, '-V, --version')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride()
    // The root and `analyze` both take --json/--config; without this the root would take them.
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    .configureOutput({ outputError: () => {} });
  addRunOptions(program).action((flags: RunFlags) => runAction(flags).then(setExit));
  addRunOptions(program.command('run').description('run the band plan (the default command)'))
    .exitOverride()
    .configureOutput({ outputError: () => {} })
    .action((flags: RunFlags) => runAction(flags).then(setExit));
  program
    .command('analyze')
    .description('re-run the analysis on a saved results JSON, or on a band-table CSV from any tool')
    .argument('<file>', 'results.json or a CSV with band_id,workers,connections,total_tps[,latency columns]')
    .option('-c, --config <file>', 'take analysis thresholds and slo from this config')
    .option('--json', 'print the results document with analysis and optimal_config filled in')
    .exitOverride()
    .configureOutput({ outputError: () => {} })
    .action((file: string, flags: { json?: boolean; config?: string }) =>
      analyzeCommand(file, { json: flags.json ?? false, configPath: flags.config }).then(setExit),
    );
  program
    .command('compare')
    .description(
      "judge CURRENT against BASELINE as the action's compare mode does: the same verdict, report and exit code",
    )
    .argument('<baseline>', 'the baseline results.json')
    .argument('<current>', 'the current results.json')
    .option('--max-tps-drop <pct>', 'largest tolerated TPS drop, e.g. 5% (default 5%)')
    .option('--max-p95-increase <pct>', 'largest tolerated p95 increase, e.g. 10% (default 10%)')
    .addOption(
      new Option('--fail-on <verdict>', 'which verdict exits with 3').choices(['regression', 'inconclusive', 'never']),
    )
    .option('--json', 'print the comparison as JSON instead of the Markdown report')
    .exitOverride()
    .configureOutput({ outputError: () => {} })
    .action((baseline: string, current: string, flags: CompareFlags) =>
      compareCommand(baseline, current, flags).then(setExit),
    );
  program
    .command('ab')
    .description(
      'same-runner A/B: measure base and head workload files in interleaved ' +
        'ABBA rounds on one server and gate on the paired difference',
    )
    .option(
      '-c, --config <file>',
      "progressive YAML config; its workload/setup paths are taken relative to each side's directory",
    )
    .option(
      '--base-dir <dir>',
      "directory holding the base side's workload and setup files (laid out as next to the config)",
    )
    .option('--head-dir <dir>', "directory holding the head side's files (default: the config file's directory)")
    .option(
      '--rounds <n>',
      'rounds per band, 3-50 (default 3): each a warm-up and band_duration of ABBA blocks of 250 ms turns',
    )
    .option('--confirm', 're-measure failing bands for as many rounds; fail only if the failure reproduces')
    .option('--max-tps-drop <pct>', 'largest tolerated TPS drop, e.g. 5% (default 5%)')
    .option('--max-p95-increase <pct>', 'largest tolerated p95 increase, e.g. 10% (default 10%)')
    .addOption(
      new Option(
        '--reset <when>',
        "re-create each side's database from its template before every " +
          'measurement (always), once, or auto (once for select-only)',
      ).choices(['always', 'once', 'auto']),
    )
    .addOption(
      new Option('--fail-on <verdict>', 'which verdict exits with 3').choices(['regression', 'inconclusive', 'never']),
    )
    .option(
      '--database-url <url>',
      'postgres:// URL; what it leaves out comes from the config, ' +
        'DATABASE_URL, then PG* variables (none: an embedded server)',
    )
    .option('--export-path <dir>', 'directory for ab-results.json and the base/ and head/ exports')
    .addOption(
      new Option('--export-format <format>', 'which per-side exports to write').choices(['csv', 'json', 'both']),
    )
    .option('--json', 'print the ab section and the comparison as JSON on stdout (logs go to stderr)')
    .exitOverride()
    .configureOutput({ outputError: () => {} })
    .action((flags: AbFlags) => abCommand(flags).then(setExit));
  return program;
}

function setExit(code: number): void {
  process.exitCode = code;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    return reportError(error);
  }
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    if (
      error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.version' ||
      error.code === 'commander.help'
    ) {
      return 0;
    }
    // Commander puts its "(Did you mean …?)" on a second line; user errors are one line.
    process.stderr.write(`pgscale: ${error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ')}\n`);
    return EXIT_BAD_INPUT;
  }
  if (isUserError(error)) {
    process.stderr.write(`pgscale: ${maskSecrets(error.message)}\n`);
    return EXIT_BAD_INPUT;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`pgscale: ${maskSecrets(message)}\n`);
  if (process.env.PGSCALE_LOG_LEVEL === 'debug' && error instanceof Error && error.stack) {
    process.stderr.write(`${maskSecrets(error.stack)}\n`);
  }
  return EXIT_FAILURE;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.exitCode = reportError(error);
  },
);
