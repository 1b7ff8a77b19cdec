import { EPSILON_MEANINGS, EPSILON_WEAK } from '../budget-guidance';

/** What values of ε mean, in plain words; the row of the chosen ε is marked. */
export function EpsilonGuide({ epsilon }: { epsilon: number }) {
  const row = epsilon <= 1 ? 0 : epsilon < 5 ? 1 : epsilon <= EPSILON_WEAK ? 2 : 3;
  return (
    <details className="epsilon-guide" data-testid="epsilon-guide" open>
      <summary>What ε means</summary>
      <p className="hint">
        ε bounds how much any single document can change what the app releases. Smaller is more private and
        needs more noise, so the models learn less.
      </p>
      <dl className="facts">
        {EPSILON_MEANINGS.map((m, i) => (
          <div key={m.epsilon} className={i === row ? 'guide-current' : undefined} data-current={i === row}>
            <dt>{m.epsilon}</dt>
            <dd>{m.meaning}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}
