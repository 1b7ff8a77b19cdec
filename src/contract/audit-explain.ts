/**
 * The audit's result in words, for the app and the CLI (no TF.js: the UI thread imports it).
 */
import { chanceExposureBits, EXPOSURE_CANDIDATES } from '../audit/exposure';

export interface AuditSummaryInput {
  mode: 'whitebox' | 'blackbox';
  method: 'dpsgd' | 'distildp' | 'nonprivate';
  epsilon_claimed: number | null;
  epsilon_lower_bound: number;
  confidence: number;
  canaries: number;
  exposure_bits?: number;
}

/** "claimed epsilon 2.00; audited lower bound 0.71 (95%)" */
export function auditHeadline(r: AuditSummaryInput): string {
  const claimed = r.epsilon_claimed === null ? 'none (not private)' : r.epsilon_claimed.toFixed(2);
  return `claimed epsilon ${claimed}; audited lower bound ${r.epsilon_lower_bound.toFixed(2)} (${Math.round(r.confidence * 100)}%)`;
}

/** Whether the audit contradicts the claim (the code leaks more than it says). */
export function auditViolatesClaim(r: AuditSummaryInput): boolean {
  return r.epsilon_claimed !== null && r.epsilon_lower_bound > r.epsilon_claimed;
}

/** One paragraph a non-expert can follow. */
export function auditExplanation(r: AuditSummaryInput): string {
  const pct = `${Math.round(r.confidence * 100)}%`;
  const how =
    r.mode === 'whitebox'
      ? `The audit trained a fresh copy of the model with your settings and slipped in ${r.canaries} made-up test records ("canaries"). A coin flip that only the audit knows decided which of them were really used. Watching every training step, it then tried to tell the used canaries from the unused ones.`
      : `The audit trained a fresh copy of the model with your settings on your text plus ${r.canaries} made-up records such as "the account code of Bavomi Kelutar is 7-3-9-1-0-4", each with its own invented name and secret. A coin flip that only the audit knows decided which of them were really added. It then looked only at the finished model and asked how much more likely it finds each record than before training.`;
  const strength = `How often it guessed right gives a number the real privacy loss cannot be below, with ${pct} confidence: ${r.epsilon_lower_bound.toFixed(2)}.`;
  const exposure =
    r.exposure_bits === undefined
      ? ''
      : ` Asked for the code of a name it had seen, the model ranked the true code ${r.exposure_bits.toFixed(1)} bits high on average among ${EXPOSURE_CANDIDATES} random look-alike codes, where chance (a code it never saw) is ${chanceExposureBits(EXPOSURE_CANDIDATES).toFixed(1)} bits.`;
  let verdict: string;
  if (r.epsilon_claimed === null)
    verdict =
      r.epsilon_lower_bound > 0
        ? ' Training without privacy promises nothing, and the audit shows it: the model gives away which secrets it saw.'
        : ' Training without privacy promises nothing; this audit could not show a leak here, so it is too weak to tell on these settings.';
  else if (auditViolatesClaim(r))
    verdict = ` That is MORE than the promised ${r.epsilon_claimed.toFixed(2)}: the training does not behave as its privacy guarantee says. Do not rely on this epsilon.`;
  else
    verdict = ` The promise is at most ${r.epsilon_claimed.toFixed(2)}, so the audit found no leak beyond it. A bound well below the promise is normal: a test like this can catch training that leaks more than it claims, but it cannot prove that training is private.`;
  return `${how} ${strength}${exposure}${verdict}`;
}
