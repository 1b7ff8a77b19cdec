/**
 * Strict command-line parsing over node's `util.parseArgs` (`strict: true`): `--name value`,
 * `--name=value`, boolean `--flag`, repeatable options, positionals only for commands that take
 * them, and `--` ends the options. Anything else is a UsageError (exit code 2) naming the argument
 * and the closest known option: for a privacy tool a typo (`-epsilon 1`, `--detla`) must never fall
 * back silently to a default, and `--out --json` must not take `--json` as the folder name.
 */
import { parseArgs as nodeParseArgs } from 'node:util';

export interface OptionSpec {
  /** Option name without the leading dashes, e.g. `epsilon`. */
  name: string;
  type: 'number' | 'string' | 'boolean';
  description: string;
  default?: number | string | boolean;
  /** May be given several times; each value may also be a comma list. Parsed as a string[]. */
  multiple?: boolean;
}

export type ParsedArgs = {
  options: Record<string, number | string | boolean | string[] | undefined>;
  positionals: string[];
};

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Levenshtein distance (small strings: option names). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/** The known option closest to `name` (dashes stripped), when it is plausibly what was meant. */
export function closestOption(name: string, specs: OptionSpec[]): string | undefined {
  const bare = name.replace(/^-+/, '').split('=')[0];
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const s of specs) {
    const d = editDistance(bare, s.name);
    if (d < bestDistance) {
      best = s.name;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(bare.length / 3)) ? best : undefined;
}

function unknownOption(arg: string, specs: OptionSpec[]): UsageError {
  const near = closestOption(arg, specs);
  const hint = near
    ? `; did you mean --${near}?`
    : specs.length > 0
      ? ` (known: ${specs.map((s) => `--${s.name}`).join(', ')})`
      : ' (this command takes no options)';
  return new UsageError(`unknown option ${arg.split('=')[0]}${hint}`);
}

/** An argument that looks like a negative number is a value, not an option (`--sigma -1`). */
const NEGATIVE_NUMBER = /^-(\d|\.\d)/;

/**
 * Finds what util.parseArgs would reject, with a message naming the argument as the user typed it
 * (util.parseArgs reports `-epsilon` as the short option `-e`).
 */
function firstProblem(argv: string[], specs: OptionSpec[], positionals: boolean): UsageError | null {
  const byName = new Map(specs.map((s) => [s.name, s]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') return null;
    if (!arg.startsWith('-') || arg === '-') {
      if (!positionals)
        return new UsageError(`unexpected argument "${arg}" (this command takes only options)`);
      continue;
    }
    if (!arg.startsWith('--')) return unknownOption(arg, specs);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq >= 0 ? eq : undefined);
    const spec = byName.get(name);
    if (!spec) return unknownOption(arg, specs);
    if (spec.type === 'boolean') {
      if (eq >= 0)
        return new UsageError(`--${name} is a flag and takes no value (got "${arg.slice(eq + 1)}")`);
      continue;
    }
    if (eq >= 0) continue;
    const next = argv[i + 1];
    if (next === undefined || (next.startsWith('-') && !NEGATIVE_NUMBER.test(next)))
      return new UsageError(
        `--${name} needs a value${next === undefined ? '' : ` (got the option ${next})`}`,
      );
    i++;
  }
  return null;
}

export function parseArgs(
  argv: string[],
  specs: OptionSpec[],
  accepts: { positionals?: boolean } = {},
): ParsedArgs {
  const allowPositionals = accepts.positionals ?? false;
  const problem = firstProblem(argv, specs, allowPositionals);
  if (problem) throw problem;
  // Join `--name -1` into `--name=-1` so util.parseArgs reads a negative number as the value.
  const joined: string[] = [];
  let ended = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') ended = true;
    const spec =
      !ended && arg.startsWith('--') && !arg.includes('=')
        ? specs.find((s) => `--${s.name}` === arg)
        : undefined;
    if (spec && spec.type !== 'boolean' && NEGATIVE_NUMBER.test(argv[i + 1] ?? '')) {
      joined.push(`${arg}=${argv[++i]}`);
    } else joined.push(arg);
  }
  let parsed: ReturnType<typeof nodeParseArgs>;
  try {
    parsed = nodeParseArgs({
      args: joined,
      strict: true,
      allowPositionals,
      options: Object.fromEntries(
        specs.map((s) => [s.name, { type: s.type === 'boolean' ? 'boolean' : 'string', multiple: true }]),
      ),
    });
  } catch (e) {
    // firstProblem catches what parseArgs rejects; this is a safety net with parseArgs' own words.
    throw new UsageError((e as Error).message);
  }
  const options: ParsedArgs['options'] = {};
  for (const spec of specs) {
    const values = (parsed.values as Record<string, (string | boolean)[] | undefined>)[spec.name];
    if (values === undefined) {
      if (spec.default !== undefined) options[spec.name] = spec.default;
      continue;
    }
    if (spec.multiple) {
      options[spec.name] = values
        .flatMap((v) => String(v).split(','))
        .map((v) => v.trim())
        .filter((v) => v !== '');
      continue;
    }
    const raw = values[values.length - 1]; // given twice: the last one wins, as in most tools
    if (spec.type === 'number') {
      const v = Number(raw);
      if (String(raw).trim() === '' || !Number.isFinite(v))
        throw new UsageError(`--${spec.name} must be a number, got "${raw}"`);
      options[spec.name] = v;
    } else options[spec.name] = raw;
  }
  return { options, positionals: parsed.positionals };
}

export function formatOptions(specs: OptionSpec[]): string {
  const rows = specs.map((s) => {
    const left = `  --${s.name}${s.type === 'boolean' ? '' : ` <${s.type}>`}${s.multiple ? '...' : ''}`;
    const def = s.default !== undefined ? ` (default: ${s.default})` : '';
    return `${left.padEnd(30)} ${s.description}${def}`;
  });
  return rows.join('\n');
}
