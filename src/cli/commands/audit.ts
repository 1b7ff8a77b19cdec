/**
 * `distildp audit`: an empirical privacy audit of a method's training on a corpus (the demo corpus
 * by default), with the standard run settings, printing the claimed epsilon next to the audited
 * lower bound. Canaries exist only in the audit's own training run and are never written anywhere.
 */

import type { CanaryKind } from '../../audit/canaries';
import {
  AUDIT_METHODS,
  AUDIT_MODES,
  type AuditMethod,
  type AuditMode,
  runAudit,
} from '../../audit/run-audit';
import type { WhiteboxScore } from '../../audit/whitebox';
import { initBackend } from '../../model/backend';
import { resolvePipelineConfig } from '../../pipeline/config';
import { disposeModel } from '../../pipeline/models';
import { STANDARD_PROFILE, TINY_PROFILE } from '../../pipeline/profiles';
import { UsageError } from '../args';
import type { Command } from '../command';
import { dataChoicesFromOptions, dataOptions, ingestWithChoices } from '../data-args';
import { loadModelArg, PUBLIC_DIR } from '../models';
import { progressPrinter } from '../progress';
import { explainOrJson } from './audit-output';
import { DEMO_CORPUS, DEMO_DATA_CHOICES } from './pipeline-options';

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (!(allowed as readonly unknown[]).includes(value))
    throw new UsageError(`--${name} is one of ${allowed.join(', ')}; got "${value}"`);
  return value as T;
}

export const auditCommand: Command = {
  name: 'audit',
  summary: 'Empirical privacy audit: a one-run epsilon lower bound next to the claimed epsilon',
  options: [
    {
      name: 'data',
      type: 'string',
      description: `Private corpus (default: the demo corpus public/${DEMO_CORPUS})`,
    },
    {
      name: 'epsilon',
      type: 'number',
      description: 'Claimed (target) epsilon of the audited training',
      default: 2,
    },
    { name: 'delta', type: 'number', description: 'Delta (default 1/N^1.1, N = training documents)' },
    {
      name: 'canaries',
      type: 'number',
      description: 'Canaries (default: white-box 50000 or a quarter of the parameters, black-box 128)',
    },
    {
      name: 'mode',
      type: 'string',
      description: 'whitebox (the DP-SGD step) or blackbox (the released models)',
      default: 'whitebox',
    },
    {
      name: 'method',
      type: 'string',
      description: 'dpsgd, distildp or nonprivate (black-box only)',
      default: 'dpsgd',
    },
    {
      name: 'score',
      type: 'string',
      description: "White-box score: likelihood (the claimed mechanism's likelihood ratio) or aligned",
      default: 'likelihood',
    },
    {
      name: 'canary-kind',
      type: 'string',
      description: 'White-box canaries: dirac or random',
      default: 'dirac',
    },
    {
      name: 'profile',
      type: 'string',
      description: 'Run settings: standard (the app and pipeline --demo) or tiny',
      default: 'standard',
    },
    {
      name: 'teacher-init',
      type: 'string',
      description: 'Teacher: preset, model file or HF GPT-2 folder',
      default: 'teacher',
    },
    {
      name: 'student-init',
      type: 'string',
      description: 'Student: preset, model file or HF GPT-2 folder',
      default: 'student',
    },
    {
      name: 'seed',
      type: 'number',
      description: 'Seed of the train/validation/test split (not of the audit)',
      default: 1,
    },
    ...dataOptions,
    {
      name: 'epochs',
      type: 'number',
      description: "Epochs of the audited training (default: the profile's, e.g. DP-SGD 2, non-private 0.5)",
    },
    { name: 'json', type: 'boolean', description: 'Print one JSON object' },
  ],
  async run(args, io) {
    const o = args.options;
    const mode = oneOf<AuditMode>('mode', o.mode, AUDIT_MODES);
    const method = oneOf<AuditMethod>('method', o.method, AUDIT_METHODS);
    const score = oneOf<WhiteboxScore>('score', o.score, ['aligned', 'likelihood']);
    const kind = oneOf<CanaryKind>('canary-kind', o['canary-kind'], ['dirac', 'random']);
    const profileName = oneOf('profile', o.profile, ['standard', 'tiny'] as const);
    if (mode === 'whitebox' && method === 'nonprivate')
      throw new UsageError(
        'the white-box audit checks the DP-SGD step: use --mode blackbox for --method nonprivate',
      );
    const canaries = o.canaries === undefined ? undefined : Number(o.canaries);
    if (canaries !== undefined && !(Number.isInteger(canaries) && canaries >= 16))
      throw new UsageError(`--canaries must be an integer >= 16, got ${o.canaries}`);
    const backend = await initBackend();
    const choices = dataChoicesFromOptions(o, o.data ? undefined : DEMO_DATA_CHOICES);
    const ingest = ingestWithChoices(
      o.data ? String(o.data) : `${PUBLIC_DIR}${DEMO_CORPUS}`,
      choices,
      o,
      io.err,
      3,
    );
    const epochs = o.epochs === undefined ? undefined : Number(o.epochs);
    if (epochs !== undefined && !(epochs > 0)) throw new UsageError(`--epochs must be > 0, got ${o.epochs}`);
    const config = resolvePipelineConfig(profileName === 'tiny' ? TINY_PROFILE : STANDARD_PROFILE, {
      epsilon: Number(o.epsilon),
      delta: o.delta === undefined ? undefined : Number(o.delta),
      seed: Number(o.seed),
      data: choices,
      teacherDP: { epochs },
      studentDP: { epochs },
      nonPrivate: { epochs },
    });
    const teacher = await loadModelArg(String(o['teacher-init']), io.err);
    const student = await loadModelArg(String(o['student-init']), io.err);
    io.err(
      `${mode} audit of ${method} on ${backend.backend}: ${ingest.documents.length} documents, claimed epsilon ${o.epsilon}`,
    );
    const shows = new Map<string, (done: number, detail?: string) => void>();
    try {
      const outcome = await runAudit(
        { mode, method, canaries, whitebox: { score, kind } },
        {
          documents: ingest.documents,
          teacher,
          student,
          config,
          onProgress: (p) => {
            let show = shows.get(p.phase);
            if (!show) {
              show = progressPrinter(io.err, p.phase, p.total);
              shows.set(p.phase, show);
            }
            show(p.done);
          },
          log: (m) => io.err(m),
        },
      );
      io.out(explainOrJson(outcome, Boolean(o.json)));
      return 0;
    } finally {
      disposeModel(teacher);
      disposeModel(student);
    }
  },
};
