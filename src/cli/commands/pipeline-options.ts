/**
 * `distildp pipeline`'s options as the pipeline's config (the --demo profile and data choices, then
 * only the flags given), and its results table.
 */

import type { nonPrivateGainShares } from '../../contract/gain-share';
import {
  describeKnobValue,
  effectiveValues,
  OVERRIDE_FIELDS,
  overridesLayer,
  type PipelineOverrides,
  validateOverrides,
} from '../../contract/overrides';
import {
  type DataChoices,
  type PipelineConfig,
  type PipelineOptions,
  resolvePipelineConfig,
} from '../../pipeline/config';
import { STANDARD_PROFILE } from '../../pipeline/profiles';
import { ALL_METHODS, type MethodName, type ResultRow } from '../../pipeline/results';
import { type ParsedArgs, UsageError } from '../args';
import { dataChoicesFromOptions } from '../data-args';
import { parameterSelectionArgs } from './parameter-args';

export const DEMO_CORPUS = 'demo/demo-corpus.jsonl';

/** The demo corpus's data choices (it is public): text in `text`, its genre in `label` as control codes. */
export const DEMO_DATA_CHOICES: DataChoices = {
  textField: 'text',
  labelFields: ['label'],
  folderLabels: false,
  useControlCodes: true,
};

/** Settings of `--demo`: the app's standard run sizes, every method. */
export const DEMO_SETTINGS: PipelineOptions = { ...STANDARD_PROFILE, methods: [...ALL_METHODS] };

/**
 * `--ci`: a run sized for the CI suite's minutes (tests/demo): the same DP recipe, a quarter of the
 * synthetic text (1,000 samples), and with --demo only the methods the acceptance test compares.
 */
export const CI_SETTINGS: PipelineOptions = {
  ...STANDARD_PROFILE,
  synthetic: { ...STANDARD_PROFILE.synthetic, samples: 1000 },
};
export const CI_DEMO_METHODS: MethodName[] = ['distildp', 'synthetic', 'dpsgd'];

export function formatResults(rows: ResultRow[]): string {
  const header = ['method', 'model', 'epsilon', 'delta', 'test PPL', 'bits/byte', 'wall time'];
  const body = rows.map((r) => [
    r.method,
    r.model,
    r.epsilon === null ? 'inf' : r.epsilon.toFixed(3),
    r.delta === null ? '-' : r.delta.toExponential(2),
    r.test_ppl.toFixed(2),
    r.bits_per_byte.toFixed(3),
    `${r.wall_s.toFixed(0)} s`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** "share of the non-private gain: teacher distildp 47.2%; student distildp 30.1%, dpsgd 2.0%", or null. */
export function formatGainShares(shares: ReturnType<typeof nonPrivateGainShares>): string | null {
  const parts = (['teacher', 'student'] as const).flatMap((model) => {
    const byMethod = Object.entries(shares[model] ?? {});
    return byMethod.length
      ? [`${model} ${byMethod.map(([m, v]) => `${m} ${(100 * v).toFixed(1)}%`).join(', ')}`]
      : [];
  });
  return parts.length ? `share of the non-private model's gain over its base: ${parts.join('; ')}` : null;
}

function methodsArg(v: unknown): MethodName[] {
  const list = String(v)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = list.filter((m) => !(ALL_METHODS as readonly string[]).includes(m));
  if (bad.length || list.length === 0)
    throw new UsageError(`--methods takes a comma list of ${ALL_METHODS.join(', ')}; got "${v}"`);
  return list as MethodName[];
}

/** --codes: a comma list of single-label codes, or a JSON array of label tuples. */
function codesArg(v: string): string[][] {
  if (v.trim().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch (e) {
      throw new UsageError(`--codes is not valid JSON (${(e as Error).message})`);
    }
    const ok =
      Array.isArray(parsed) &&
      parsed.length > 0 &&
      parsed.every((c) => Array.isArray(c) && c.every((l) => typeof l === 'string'));
    if (!ok) throw new UsageError('--codes as JSON must be a non-empty array of arrays of strings');
    return parsed as string[][];
  }
  const list = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.length === 0) throw new UsageError('--codes needs at least one code');
  return list.map((l) => [l]);
}

/** A number option, or undefined when the user did not give it. */
function numberOr(v: unknown): number | undefined {
  return v === undefined ? undefined : Number(v);
}

/**
 * The pipeline config of parsed options: the library defaults, the --demo profile, then only the
 * options the user actually gave (an unset option leaves the layer below it in force).
 */
export function pipelineConfigFromOptions(o: ParsedArgs['options']): PipelineConfig {
  const histogram = o.histogram === undefined ? undefined : String(o.histogram);
  if (histogram !== undefined && histogram !== 'dp' && histogram !== 'uniform')
    throw new UsageError('--histogram is dp or uniform');
  const codes = o.codes === undefined ? undefined : codesArg(String(o.codes));
  if (histogram === 'uniform' && !codes)
    throw new UsageError(
      '--histogram uniform needs the list of codes, declared by you (public): --codes a,b or --codes \'[["a","x"],["b","y"]]\' (it is never taken from the data)',
    );
  if (codes && histogram !== 'uniform') throw new UsageError('--codes is for --histogram uniform');
  const codeTeachers = o['code-teachers'] === undefined ? undefined : String(o['code-teachers']);
  if (codeTeachers !== undefined && codeTeachers !== 'per-code' && codeTeachers !== 'joint')
    throw new UsageError(`--code-teachers is per-code or joint; got "${codeTeachers}"`);
  const codeSelection = o['code-selection'] === undefined ? undefined : String(o['code-selection']);
  if (codeSelection !== undefined && codeSelection !== 'distinct' && codeSelection !== 'random')
    throw new UsageError(`--code-selection is distinct or random; got "${codeSelection}"`);
  // Options shared by every DP training (teachers and students); left out, the recipe rule's.
  const dp = {
    expectedBatchSize: numberOr(o.batch),
    windowsPerDocument: numberOr(o['windows-per-doc']),
    ...parameterSelectionArgs(o),
  };
  const options: PipelineOptions = {
    epsilon: numberOr(o.epsilon),
    delta: numberOr(o.delta),
    seed: numberOr(o.seed),
    methods: o.methods ? methodsArg(o.methods) : undefined,
    teacherDP: { ...dp, epochs: numberOr(o['teacher-epochs']) },
    studentDP: { ...dp, epochs: numberOr(o['student-epochs']) },
    histogram: { mode: histogram, codes },
    codeTeachers: codeTeachers as PipelineConfig['codeTeachers'] | undefined,
    data: dataChoicesFromOptions(o, o.demo ? DEMO_DATA_CHOICES : undefined),
  };
  // The knobs the app's Advanced settings have too (one definition: src/contract/overrides.ts).
  const knobs: PipelineOverrides = Object.fromEntries(
    OVERRIDE_FIELDS.map((f) => [f.key, numberOr(o[f.cli])]),
  );
  const problems = Object.values(validateOverrides(knobs));
  if (problems.length) throw new UsageError(problems.join(' '));
  // The app's standard run is also the CLI's: --demo only adds the demo corpus and every method.
  const base = o.ci
    ? { ...CI_SETTINGS, methods: o.demo ? CI_DEMO_METHODS : undefined }
    : o.demo
      ? DEMO_SETTINGS
      : STANDARD_PROFILE;
  const choices: PipelineOptions = codeSelection
    ? { synthetic: { codeSelection: codeSelection as 'distinct' | 'random' } }
    : {};
  return resolvePipelineConfig(base, options, overridesLayer(knobs), choices);
}

/** The CLI options of the knobs (the standard run's value in each description). */
export function knobOptions(): { name: string; type: 'number'; description: string }[] {
  const standard = effectiveValues(STANDARD_PROFILE);
  return OVERRIDE_FIELDS.map((f) => ({
    name: f.cli,
    type: 'number',
    description: `${f.help} (default ${describeKnobValue(standard[f.key])})`,
  }));
}
