/**
 * The privacy report file (privacy-report.json) of every export, app and CLI alike: DistilDP's
 * report flattened (sigma, q, steps of its DP-SGD phase) with the guarantee in words, the versions
 * that produced it and the baselines' reports beside it. `distildp epsilon` reproduces its epsilon
 * from the recorded phases (`reproduce`).
 */
import { version as tfjsVersions } from '@tensorflow/tfjs';
import { version as appVersion } from '../../package.json';
import { NEIGHBOURING_RELATION, type PrivacyReport } from './results';

/** Who the guarantee protects, and against which change of the data (stated once, in results.ts). */
export { NEIGHBOURING_RELATION };

export const GUARANTEE =
  `(epsilon, delta)-differential privacy with respect to adding or removing one document (the privacy unit) ` +
  'of the training split, for everything released: the DP teacher, the synthetic corpus and the student ' +
  '(post-processing), and the control-code histogram (accounted as a phase).';

export type PrivacyReportDocument = ReturnType<typeof privacyReportDocument>;

/** The main (DistilDP) report of a run, or its first report when DistilDP was not run. */
export function mainReport(reports: PrivacyReport[]): PrivacyReport {
  const main = reports.find((r) => r.method === 'distildp') ?? reports[0];
  if (!main) throw new Error('this run has no privacy report');
  return main;
}

/**
 * @param runId the run's random id (never a function of the documents: it is released)
 */
export function privacyReportDocument(runId: string, reports: PrivacyReport[], created: Date) {
  const main = mainReport(reports);
  const dpsgd = main.phases.at(-1)!;
  return {
    format: 'distildp-privacy-report',
    format_version: 1,
    created: created.toISOString(),
    run_id: runId,
    ...main,
    sigma: dpsgd.sigma,
    q: dpsgd.q,
    steps: dpsgd.steps,
    neighbouring_relation: main.neighbouring_relation ?? NEIGHBOURING_RELATION,
    guarantee: GUARANTEE,
    versions: { distildp: appVersion, tfjs: tfjsVersions.tfjs },
    baselines: reports.filter((r) => r !== main),
  };
}
