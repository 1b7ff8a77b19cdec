import { useId, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { cleanSampleText, codeOf, interleaveByCode, REPLACEMENT_MARK } from '../samples';
import { useAppStore } from '../store';
import { CleanTextView } from './CleanTextView';

const ALL = '__all__';
/** Samples rendered at once; the list scrolls. */
const SHOWN = 300;

type Source = 'corpus' | 'generated';

/** Synthetic text as the DP teacher writes it (post-processing of a DP model: safe to show). */
export function SamplesPanel() {
  const { generated, corpus } = useAppStore(
    useShallow((s) => ({ generated: s.run.samples, corpus: s.run.synthetic })),
  );
  const [code, setCode] = useState(ALL);
  const [picked, setSource] = useState<Source>('corpus');
  const selectId = useId();
  const source: Source = corpus && picked === 'corpus' ? 'corpus' : 'generated';
  const samples = source === 'corpus' && corpus ? corpus.samples : generated;
  const codes = useMemo(() => [...new Set(samples.map((s) => codeOf(s.labels)))].sort(), [samples]);
  const filtered = useMemo(
    () => (code === ALL ? samples : samples.filter((s) => codeOf(s.labels) === code)),
    [samples, code],
  );
  const shown = code === ALL ? interleaveByCode(filtered, SHOWN) : filtered.slice(-SHOWN).reverse();
  const cleaned = shown.map((s) => ({ ...s, clean: cleanSampleText(s.text) }));
  const replaced = cleaned.filter((s) => s.clean.replaced > 0).length;
  return (
    <section className="panel" id="samples" aria-labelledby="samples-heading">
      <h2 id="samples-heading">Synthetic samples</h2>
      {corpus && (
        <p className="hint" data-testid="corpus-note">
          The teacher wrote {corpus.generated.toLocaleString('en-US')} samples (more than needed, as DistilDP
          does); {corpus.duplicates.toLocaleString('en-US')} duplicates and{' '}
          {corpus.empty.toLocaleString('en-US')} empty ones were dropped, and{' '}
          {corpus.samples.length.toLocaleString('en-US')} were drawn at random for the student (each control
          code's share). The synthetic-text download holds these{' '}
          {corpus.samples.length.toLocaleString('en-US')}.
        </p>
      )}
      <div className="picker-row samples-controls">
        {corpus && (
          <fieldset className="inline-radios">
            <legend className="visually-hidden">Which samples</legend>
            <label>
              <input
                type="radio"
                name={`${selectId}-source`}
                checked={source === 'corpus'}
                data-testid="samples-corpus"
                onChange={() => setSource('corpus')}
              />
              Used for the student ({corpus.samples.length.toLocaleString('en-US')})
            </label>
            <label>
              <input
                type="radio"
                name={`${selectId}-source`}
                checked={source === 'generated'}
                data-testid="samples-generated"
                onChange={() => setSource('generated')}
              />
              All shown while generating ({generated.length.toLocaleString('en-US')})
            </label>
          </fieldset>
        )}
        <label htmlFor={selectId}>Control code</label>
        <select
          id={selectId}
          value={code}
          onChange={(e) => setCode(e.target.value)}
          data-testid="sample-filter"
        >
          <option value={ALL}>All codes ({samples.length})</option>
          {codes.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
        <span className="hint" data-testid="sample-count" data-source={source}>
          {filtered.length.toLocaleString('en-US')} sample(s)
          {filtered.length > SHOWN
            ? `, ${SHOWN} shown${code === ALL ? ' (the newest of each code in turn)' : ', newest first'}`
            : ''}
        </span>
      </div>
      {replaced > 0 && (
        <p className="hint" data-testid="replaced-note">
          {replaced} sample(s) shown here hold bytes that are not readable text (pieces of multi-byte
          characters or control bytes: the byte-level model writes one byte at a time); they are shown as{' '}
          <span className="bad-bytes">{REPLACEMENT_MARK}</span>. The download keeps the text exactly as
          written.
        </p>
      )}
      {shown.length === 0 ? (
        <p className="hint">The DP teacher's samples appear here as they are generated.</p>
      ) : (
        // Chromium makes a scrolling container keyboard-focusable by itself (no tabIndex needed).
        <ol className="samples" data-testid="samples" aria-label="Synthetic samples">
          {cleaned.map((s, i) => (
            // The list is recomputed as a whole; the position is the identity that matters.
            // biome-ignore lint/suspicious/noArrayIndexKey: see above
            <li key={i} data-testid="sample" data-code={codeOf(s.labels)}>
              <span className="sample-code">{codeOf(s.labels)}</span>
              <span className="sample-text">
                <CleanTextView text={s.clean} />
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
