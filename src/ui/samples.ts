/**
 * Synthetic samples for display. The byte-level teacher can write a partial multi-byte character
 * or a control byte; decoding turns those into U+FFFD or invisible controls. The panel shows them
 * as a visible marker instead and says how many there were (the exported corpus keeps the text as
 * it is). "All codes" interleaves the newest samples of every code, since generation runs code by
 * code and the newest N would otherwise all be one code.
 */
import type { SyntheticSampleOut } from '../contract/protocol';

/** What replaces a character that is not readable text. */
export const REPLACEMENT_MARK = '▯';

/** U+FFFD, C0 controls other than TAB and LF, DEL, and C1 controls. */
function unreadable(ch: string): boolean {
  const c = ch.codePointAt(0) ?? 0;
  return c === 0xfffd || (c < 0x20 && c !== 0x09 && c !== 0x0a) || (c >= 0x7f && c <= 0x9f);
}

export interface CleanText {
  /** Alternating readable and replaced runs (a replaced run holds one mark per character). */
  parts: { text: string; replaced: boolean }[];
  replaced: number;
}

export function cleanSampleText(text: string): CleanText {
  const parts: CleanText['parts'] = [];
  let replaced = 0;
  let current = '';
  let currentReplaced = false;
  const push = () => {
    if (current) parts.push({ text: current, replaced: currentReplaced });
    current = '';
  };
  for (const ch of text) {
    const bad = unreadable(ch);
    if (bad !== currentReplaced) {
      push();
      currentReplaced = bad;
    }
    if (bad) replaced++;
    current += bad ? REPLACEMENT_MARK : ch;
  }
  push();
  return { parts, replaced };
}

export const codeOf = (labels: readonly string[]) =>
  labels.length ? labels.join(' / ') : '(no control code)';

/**
 * The newest `limit` samples over all codes, round-robin by code (newest first within each code),
 * so every code is represented.
 */
export function interleaveByCode(
  samples: readonly SyntheticSampleOut[],
  limit: number,
): SyntheticSampleOut[] {
  const byCode = new Map<string, SyntheticSampleOut[]>();
  for (let i = samples.length - 1; i >= 0; i--) {
    const code = codeOf(samples[i].labels);
    const list = byCode.get(code);
    if (list) list.push(samples[i]);
    else byCode.set(code, [samples[i]]);
  }
  const lists = [...byCode.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, l]) => l);
  const out: SyntheticSampleOut[] = [];
  for (let i = 0; out.length < limit; i++) {
    let any = false;
    for (const list of lists) {
      if (i < list.length && out.length < limit) {
        out.push(list[i]);
        any = true;
      }
    }
    if (!any) break;
  }
  return out;
}
