/**
 * Sentences about saved runs (the resume banner, the runs list, the Data panel): dates, how many
 * documents a run trains on, where an unfinished run stopped.
 */
import { maxEpsilon, type RunManifest } from '../contract/run-manifest';
import { stageLabel } from './labels';

export const dateFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' });

/** "147 training documents (183 in all)": the N of the guarantee first. */
export function documentsText(m: Pick<RunManifest, 'documents' | 'trainDocuments'>): string {
  const all = m.documents.toLocaleString('en-US');
  if (m.trainDocuments === undefined) return `${all} documents (training, validation and test)`;
  return `${m.trainDocuments.toLocaleString('en-US')} training documents (${all} with validation and test)`;
}

export function describeRun(m: RunManifest): string {
  const stage = m.stage ? stageLabel(m.stage.method, m.stage.stage) : 'the start';
  const how =
    m.status === 'failed' ? 'stopped by a failure' : m.status === 'paused' ? 'paused' : 'interrupted';
  return `Started ${dateFormat.format(m.createdAt)} on ${documentsText(m)}; ${how} during ${stage}; ε spent so far ${maxEpsilon(m).toFixed(3)} of ${m.settings.targetEpsilon}.`;
}

/** A saved run's status in one word or two. */
export function statusWord(m: Pick<RunManifest, 'status'>): string {
  switch (m.status) {
    case 'completed':
      return 'Finished';
    case 'paused':
      return 'Paused';
    case 'failed':
      return 'Stopped by a failure';
    case 'running':
      return 'Interrupted';
    case 'cancelled':
      return 'Cancelled';
  }
}

const BASELINE_WORDS: Record<string, string> = {
  synthetic: 'synthetic-only',
  dpsgd: 'DP-SGD',
  dpkd: 'DPKD',
  nonprivate: 'non-private',
};

/** What a run was: its data and the settings that matter for comparing runs. */
export function settingsText(
  m: Pick<RunManifest, 'settings' | 'documents' | 'trainDocuments' | 'models'>,
): string {
  const s = m.settings;
  const parts = [
    `${(m.trainDocuments ?? m.documents).toLocaleString('en-US')} documents`,
    `target ε ${s.targetEpsilon}`,
    `${s.epochs} epochs`,
    `batch ${s.expectedBatchSize}`,
    `C ${s.clipNorm}`,
  ];
  if (s.baselines.length) parts.push(`with ${s.baselines.map((b) => BASELINE_WORDS[b] ?? b).join(', ')}`);
  const models = [m.models.teacher.name, m.models.student.name];
  if (models.some((n) => n === 'tiny')) parts.push('tiny test models');
  else if (m.models.teacher.kind === 'stored' || m.models.student.kind === 'stored')
    parts.push(`models ${models.join(' / ')}`);
  return parts.join(', ');
}
