import type { CleanText } from '../samples';

/** Text cleaned for display (samples.ts): unreadable bytes shown as marks, styled and explained on hover. */
export function CleanTextView({ text }: { text: CleanText }) {
  return (
    <>
      {text.parts.map((part, i) =>
        part.replaced ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: parts of one fixed text
          <span key={i} className="bad-bytes" title="bytes that are not readable text">
            {part.text}
          </span>
        ) : (
          part.text
        ),
      )}
    </>
  );
}
