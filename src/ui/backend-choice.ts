/**
 * The backend override lives in the URL (`?backend=wasm`, and `?threads=N` for WASM threads) so a
 * forced choice survives a reload and e2e tests can pin one (SwiftShader WebGPU is too slow for the
 * full pipeline).
 */

import { BACKEND_CHOICES, type BackendChoice } from '../contract/protocol';
import { parseThreadCount } from '../platform/wasm-threads';

export const BACKEND_URL_PARAM = 'backend';

export interface ParsedBackendChoice {
  choice: BackendChoice;
  /** Set when the URL held a value we do not know; the UI logs it and uses 'auto'. */
  invalid?: string;
}

export function isBackendChoice(value: string): value is BackendChoice {
  return (BACKEND_CHOICES as readonly string[]).includes(value);
}

export function backendChoiceFromSearch(search: string): ParsedBackendChoice {
  const raw = new URLSearchParams(search).get(BACKEND_URL_PARAM);
  if (raw === null || raw === '') return { choice: 'auto' };
  const value = raw.trim().toLowerCase();
  return isBackendChoice(value) ? { choice: value } : { choice: 'auto', invalid: raw };
}

/** The same URL with the `backend` parameter set (removed for 'auto'), other parameters kept. */
export function urlWithBackendChoice(href: string, choice: BackendChoice): string {
  const url = new URL(href);
  if (choice === 'auto') url.searchParams.delete(BACKEND_URL_PARAM);
  else url.searchParams.set(BACKEND_URL_PARAM, choice);
  return url.toString();
}

/** WASM threads: `?threads=N` (a count) or absent / `auto` (every logical core). */
export const THREADS_URL_PARAM = 'threads';
export type ThreadsChoice = 'auto' | number;

export interface ParsedThreadsChoice {
  threads: ThreadsChoice;
  /** Set when the URL held something that is not a thread count; the UI logs it and uses 'auto'. */
  invalid?: string;
}

export function threadsChoiceFromSearch(search: string): ParsedThreadsChoice {
  const raw = new URLSearchParams(search).get(THREADS_URL_PARAM);
  try {
    return { threads: parseThreadCount(raw) ?? 'auto' };
  } catch {
    return { threads: 'auto', invalid: raw ?? '' };
  }
}

/** The same URL with `threads` set (removed for 'auto'), other parameters kept. */
export function urlWithThreadsChoice(href: string, threads: ThreadsChoice): string {
  const url = new URL(href);
  if (threads === 'auto') url.searchParams.delete(THREADS_URL_PARAM);
  else url.searchParams.set(THREADS_URL_PARAM, String(threads));
  return url.toString();
}
