import type { OptionSpec, ParsedArgs } from './args';

/** One `distildp <name>` subcommand. `run` returns the process exit code. */
export interface Command {
  name: string;
  summary: string;
  /** Positional usage after the command name, e.g. `[PATH]`. */
  usage?: string;
  /** Takes positional arguments (the usage line names them); otherwise a stray argument is an error. */
  positionals?: boolean;
  options: OptionSpec[];
  run(args: ParsedArgs, io: CommandIO): Promise<number>;
}

/** Where a command writes: results to stdout (one JSON object with --json), progress to stderr. */
export interface CommandIO {
  out(text: string): void;
  err(text: string): void;
}

export const processIO: CommandIO = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};
