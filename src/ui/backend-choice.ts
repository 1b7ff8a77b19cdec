/**
 * The backend override lives in the URL (`?backend=wasm`) so a forced backend survives a reload
 * and e2e tests can pin one (SwiftShader WebGPU is too slow for the full pipeline).
 */
import { BACKEND_CHOICES, type BackendChoice } from '../worker/protocol';

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
