import { errorMessage } from '../util/error-message';
import { formatOptions, parseArgs, UsageError } from './args';
import { type CommandIO, processIO } from './command';
import { commands } from './commands/index';
import { parseThreads, startGradientHelpersOnDemand, threadsOption } from './gradient-workers';

function globalHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'distildp: differentially private knowledge distillation of language models (DistilDP)',
    '',
    'Usage: distildp <command> [options]      distildp <command> --help',
    '',
    'Commands:',
    ...lines,
  ].join('\n');
}

export async function main(argv: string[], io: CommandIO = processIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(globalHelp());
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err(`distildp: unknown command "${name}"\n\n${globalHelp()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(
      `Usage: distildp ${command.name} ${command.usage ?? ''}[options]\n\n${command.summary}\n\nOptions:\n${formatOptions(command.options)}`,
    );
    return 0;
  }
  try {
    const args = parseArgs(rest, command.options, { positionals: command.positionals });
    if (!command.options.includes(threadsOption)) return await command.run(args, io);
    const release = startGradientHelpersOnDemand(parseThreads(args.options.threads), io.err);
    try {
      return await command.run(args, io);
    } finally {
      await release();
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`distildp ${command.name}: ${e.message}`);
      return 2;
    }
    const msg = errorMessage(e);
    io.err(`distildp ${command.name}: error: ${msg}`);
    if (process.env.DISTILDP_DEBUG && e instanceof Error) io.err(e.stack ?? '');
    return 1;
  }
}
