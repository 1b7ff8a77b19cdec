/**
 * Names of the chart series. A series is one training of one model: `${method}/${role}` (the
 * shared DP teacher of DistilDP and synthetic-only is `distildp/teacher`). Pure: the UI and the
 * worker both use it.
 */
import type { ModelRole } from './protocol';

export function seriesName(method: string, role: ModelRole): string {
  return `${method}/${role}`;
}

/** Human labels for the legends. */
export function seriesLabel(series: string): string {
  const [method, role] = series.split('/');
  const labels: Record<string, string> = {
    'distildp/teacher': 'DP teacher (DP-SGD)',
    'distildp/student': 'DistilDP student (distillation)',
    'synthetic/student': 'synthetic-only student',
    'opd/student': 'on-policy distilled student',
    'dpsgd/student': 'DP-SGD student',
    'dpkd/teacher': 'DPKD teacher (DP-SGD)',
    'dpkd/student': 'DPKD student (DP-SGD + KD)',
    'nonprivate/teacher': 'non-private teacher',
    'nonprivate/student': 'non-private student',
  };
  return labels[series] ?? `${method} ${role ?? ''}`.trim();
}
