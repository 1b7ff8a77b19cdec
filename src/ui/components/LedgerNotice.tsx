import { useShallow } from 'zustand/react/shallow';
import { spendConfirmed } from '../setup-slices';
import { useAppStore } from '../store';

/**
 * The privacy ledger of this browser for the current documents: what earlier runs on them spent,
 * composed with this run's plan by the accountant (every DP method the run trains counts). A run on
 * documents that earlier runs used starts only after the user confirms the total. Local only.
 */
export function LedgerNotice() {
  const { ledger, confirmed, confirm } = useAppStore(
    useShallow((s) => ({
      ledger: s.budget.plan?.ledger,
      confirmed: spendConfirmed(s.budget),
      confirm: s.confirmSpend,
    })),
  );
  if (!ledger) return null;
  const f = (x: number) => x.toFixed(3);
  if (ledger.priorRuns === 0)
    return (
      <p className="hint" data-testid="ledger">
        Privacy ledger: no earlier run in this browser used these documents. This run spends ε ={' '}
        {f(ledger.runEpsilon)} (all its DP trainings, composed).
      </p>
    );
  return (
    <div className="ledger warning" data-testid="ledger" data-prior-runs={ledger.priorRuns}>
      <p>
        Privacy ledger: {ledger.priorRuns} earlier run(s) in this browser already spent{' '}
        <strong data-testid="ledger-prior">ε = {f(ledger.priorEpsilon)}</strong> on these documents (cancelled
        runs count in full). This run adds its own releases: together{' '}
        <strong data-testid="ledger-total">ε = {f(ledger.totalEpsilon)}</strong> at δ ={' '}
        {ledger.totalDelta.toExponential(2)}, composed by the accountant.
      </p>
      <label>
        <input
          type="checkbox"
          data-testid="confirm-spend"
          checked={confirmed}
          onChange={(e) => confirm(e.currentTarget.checked ? ledger.totalEpsilon : null)}
        />
        Spend more privacy budget on these documents (total ε = {f(ledger.totalEpsilon)})
      </label>
    </div>
  );
}
