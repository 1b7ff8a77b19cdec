/**
 * What the pipeline's internal names mean to a person: stage keys (`distildp/teacher-dp`), store
 * step keys (`shared/teacher-dp`) and methods become labels such as "DP teacher". Nothing the user
 * reads shows an internal key; an unknown key (a newer pipeline) still reads as words.
 */

export const METHOD_LABELS: Record<string, string> = {
  base: 'Base model',
  distildp: 'DistilDP',
  synthetic: 'Synthetic-only',
  dpsgd: 'DP-SGD',
  dpkd: 'DPKD',
  opd: 'On-policy distillation',
  nonprivate: 'Non-private',
  shared: 'DistilDP',
};

/** Stage labels by `${method}/${stage}` (what the stage event carries). */
const STAGE_LABELS: Record<string, string> = {
  'shared/evaluate': 'Base models (evaluated before training)',
  'shared/evaluate-base': 'Base models (evaluated before training)',
  'shared/histogram': 'Control-code histogram (DP)',
  'distildp/teacher-dp': 'DP teacher (DP-SGD)',
  'shared/teacher-dp': 'DP teacher (DP-SGD)',
  'shared/generate': 'Synthetic text',
  'distildp/distill': 'DistilDP student (distillation)',
  'synthetic/distill': 'Synthetic-only student',
  'opd/distill': 'On-policy distillation student',
  'dpsgd/student-dp': 'DP-SGD student',
  'dpkd/teacher-dp': 'DPKD teacher (DP-SGD at ε/2)',
  'dpkd/student-dp': 'DPKD student (DP-SGD with distillation)',
  'nonprivate/fine-tune': 'Non-private fine-tuning',
};

/** Plain words for a stage or step name without a label of its own ("teacher-dp" -> "teacher dp"). */
function words(name: string): string {
  return name.replace(/[-_]+/g, ' ').trim();
}

/** The label of a stage (`method`, `stage` as in stage and progress events). */
export function stageLabel(method: string, stage: string): string {
  const known = STAGE_LABELS[`${method}/${stage}`];
  if (known) return known;
  if (stage === 'evaluate') return `Evaluation (${METHOD_LABELS[method] ?? words(method)})`;
  if (stage === 'fine-tune') return `${METHOD_LABELS[method] ?? words(method)} fine-tuning`;
  return `${METHOD_LABELS[method] ?? words(method)}: ${words(stage)}`;
}

/** The label of a stage key `${method}/${stage}`. */
export function stageKeyLabel(key: string): string {
  const slash = key.indexOf('/');
  return slash < 0 ? words(key) : stageLabel(key.slice(0, slash), key.slice(slash + 1));
}

/**
 * The label of a checkpoint's step key (the pipeline store's names: `shared/teacher-dp`,
 * `distildp/evaluate-student`, `nonprivate/fine-tune-teacher`, ...).
 */
export function stepKeyLabel(key: string): string {
  const [owner, step = ''] = key.split('/');
  const evaluate = /^evaluate-(teacher|student)$/.exec(step);
  if (evaluate) return `Evaluation of the ${METHOD_LABELS[owner] ?? words(owner)} ${evaluate[1]}`;
  const fineTune = /^fine-tune-(teacher|student)$/.exec(step);
  if (fineTune) return `Non-private ${fineTune[1]}`;
  if (key === 'shared/teacher-dp') return STAGE_LABELS['distildp/teacher-dp'];
  return stageKeyLabel(key);
}
