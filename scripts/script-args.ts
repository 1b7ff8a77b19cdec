/**
 * `--name value` from a development script's command line: `fallback` when the option is absent,
 * an error naming the option when it is absent and has no fallback (or has no value).
 */
export function scriptArg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : fallback;
  if (v === undefined) throw new Error(`--${name} is required`);
  return v;
}
