/**
 * "Try your model" in the UI: the prompt's settings, the text streamed back, and the commands. A
 * store of its own (the run store holds run data; this is a scratchpad).
 */
import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';
import type { GeneratedTextEvent, TrySource } from '../contract/protocol';
import { send } from './worker-client';

export interface TrySettings {
  prompt: string;
  maxNewTokens: number;
  temperature: number;
  topK: number;
  topP: number;
}

export interface TryState {
  settings: TrySettings;
  status: 'idle' | 'generating' | 'error';
  requestId: number;
  text: string;
  tokens: number;
  finish: GeneratedTextEvent['finish'] | null;
  promptTruncated: boolean;
  error: string | null;
}

export const DEFAULT_TRY_SETTINGS: TrySettings = {
  prompt: '',
  maxNewTokens: 48,
  temperature: 0.8,
  topK: 40,
  topP: 0.95,
};

export const tryStore = createStore<TryState>()(() => ({
  settings: { ...DEFAULT_TRY_SETTINGS },
  status: 'idle',
  requestId: 0,
  text: '',
  tokens: 0,
  finish: null,
  promptTruncated: false,
  error: null,
}));

export function useTry<T>(selector: (s: TryState) => T): T {
  return useStore(tryStore, selector);
}

export function setTrySettings(patch: Partial<TrySettings>): void {
  tryStore.setState((s) => ({ settings: { ...s.settings, ...patch } }));
}

/** The problems with the settings (empty: it can generate). */
export function trySettingsErrors(s: TrySettings, contextLength: number): string[] {
  const out: string[] = [];
  if (!(Number.isInteger(s.maxNewTokens) && s.maxNewTokens >= 1 && s.maxNewTokens < contextLength))
    out.push(`Length must be a whole number of tokens from 1 to ${contextLength - 1}.`);
  if (!(Number.isFinite(s.temperature) && s.temperature >= 0)) out.push('Temperature must be 0 or more.');
  if (!(Number.isInteger(s.topK) && s.topK >= 0)) out.push('Top-k must be a whole number, 0 or more.');
  if (!(s.topP > 0 && s.topP <= 1)) out.push('Top-p must be above 0 and at most 1.');
  return out;
}

export function startGeneration(source: TrySource): void {
  const { settings, requestId } = tryStore.getState();
  const next = requestId + 1;
  tryStore.setState({
    status: 'generating',
    requestId: next,
    text: '',
    tokens: 0,
    finish: null,
    promptTruncated: false,
    error: null,
  });
  send({
    type: 'generateText',
    requestId: next,
    source,
    ...settings,
    // A fresh draw each time (generation is post-processing of a DP model: this seed protects nothing).
    seed: crypto.getRandomValues(new Uint32Array(1))[0] >>> 1,
  });
}

export function stopGeneration(): void {
  send({ type: 'stopGenerate' });
}

/** The state after a worker event about generation (pure; others return null). */
export function reduceTryEvent(
  s: TryState,
  e: GeneratedTextEvent | { type: 'error'; command?: string; message: string },
): Partial<TryState> | null {
  if (e.type === 'generatedText') {
    if (e.requestId !== s.requestId) return null;
    return {
      text: e.text,
      tokens: e.tokens,
      status: e.done ? 'idle' : 'generating',
      finish: e.finish ?? null,
      promptTruncated: e.promptTruncated,
    };
  }
  if (e.command === 'generateText') return { status: 'error', error: e.message };
  return null;
}
