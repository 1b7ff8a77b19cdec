/**
 * A small, strict command-line parser: `--name value`, `--name=value`, boolean `--flag`,
 * and positional arguments. Unknown options are an error (a typo must not silently fall back
 * to a default, least of all for privacy parameters).
 */
export interface OptionSpec {
  /** Option name without the leading dashes, e.g. `epsilon`. */
  name: string;
  type: 'number' | 'string' | 'boolean';
  description: string;
  default?: number | string | boolean;
}

export type ParsedArgs = {
  options: Record<string, number | string | boolean | undefined>;
  positionals: string[];
};

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parseArgs(argv: string[], specs: OptionSpec[]): ParsedArgs {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const options: ParsedArgs['options'] = {};
  const positionals: string[] = [];
  for (const spec of specs) if (spec.default !== undefined) options[spec.name] = spec.default;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const spec = byName.get(name);
    if (!spec) {
      const known = specs.map((s) => `--${s.name}`).join(', ');
      throw new UsageError(`unknown option --${name}${known ? ` (known: ${known})` : ''}`);
    }
    if (spec.type === 'boolean') {
      if (eq >= 0) {
        const v = arg.slice(eq + 1);
        if (v !== 'true' && v !== 'false') throw new UsageError(`--${name} takes true or false, got "${v}"`);
        options[name] = v === 'true';
      } else options[name] = true;
      continue;
    }
    let raw: string | undefined;
    if (eq >= 0) raw = arg.slice(eq + 1);
    else {
      raw = argv[i + 1];
      i++;
    }
    if (raw === undefined) throw new UsageError(`--${name} needs a value`);
    if (spec.type === 'number') {
      const v = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(v))
        throw new UsageError(`--${name} must be a number, got "${raw}"`);
      options[name] = v;
    } else options[name] = raw;
  }
  return { options, positionals };
}

export function formatOptions(specs: OptionSpec[]): string {
  const rows = specs.map((s) => {
    const left = `  --${s.name}${s.type === 'boolean' ? '' : ` <${s.type}>`}`;
    const def = s.default !== undefined ? ` (default: ${s.default})` : '';
    return `${left.padEnd(30)} ${s.description}${def}`;
  });
  return rows.join('\n');
}
