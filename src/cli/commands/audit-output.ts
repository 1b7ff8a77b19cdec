/** What `distildp audit` prints: the report's JSON keys exactly, or the headline and explanation. */

import type { AuditOutcome, AuditReport } from '../../audit/run-audit';
import { auditExplanation, auditHeadline } from '../../contract/audit-explain';

/** The keys in its order; exposure_bits only for black-box audits. */
export function reportJson(r: AuditReport): string {
  const out: Record<string, unknown> = {
    mode: r.mode,
    method: r.method,
    epsilon_claimed: r.epsilon_claimed,
    delta: r.delta,
    epsilon_lower_bound: r.epsilon_lower_bound,
    confidence: r.confidence,
    canaries: r.canaries,
    guesses: r.guesses,
    correct: r.correct,
  };
  if (r.exposure_bits !== undefined) out.exposure_bits = r.exposure_bits;
  out.wall_s = r.wall_s;
  return JSON.stringify(out);
}

export function explainOrJson(outcome: AuditOutcome, json: boolean): string {
  if (json) return reportJson(outcome.report);
  const r = outcome.report;
  const lines = [auditHeadline(r), ''];
  if (outcome.released)
    for (const m of outcome.released)
      lines.push(
        `  ${m.model}: bound ${m.bound.epsilon.toFixed(3)} (${m.bound.correct}/${m.bound.guesses} guesses right), exposure ${m.exposureIncluded.toFixed(2)} bits inserted vs ${m.exposureExcluded.toFixed(2)} left out, log-likelihood gain ${m.gainIncluded.toFixed(3)} vs ${m.gainExcluded.toFixed(3)} nats`,
      );
  lines.push(
    `  analysis: ${outcome.analysis} (Steinke et al. ${outcome.byAnalysis.steinke.toFixed(3)}, f-DP ${outcome.byAnalysis.fdp.toFixed(3)}); ${r.correct} of ${r.guesses} guesses right; ${r.wall_s.toFixed(0)} s`,
  );
  if (!outcome.completed) lines.push('  (stopped early: the bound covers the steps done)');
  lines.push(`  audit seed (reproduces this audit's canaries; not a DP noise seed): ${outcome.seed}`);
  lines.push('', auditExplanation(r));
  return lines.join('\n');
}
