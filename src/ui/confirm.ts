/**
 * Questions before destructive or surprising actions (cancel a run, discard or delete a saved one,
 * run again what already ran): one at a time, answered in the app's own dialog (ConfirmDialog).
 */
import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';

export interface ConfirmRequest {
  title: string;
  message: string;
  confirmLabel: string;
  /** The safe answer (default "Keep it"); Escape gives it too. */
  cancelLabel?: string;
  /** A third answer between the two (e.g. "Show that run"). */
  alternativeLabel?: string;
  /** A destructive action: the confirm button is styled as one. */
  danger?: boolean;
}

export type ConfirmAnswer = 'confirm' | 'alternative' | 'cancel';

interface ConfirmState {
  request: ConfirmRequest | null;
  resolve: ((answer: ConfirmAnswer) => void) | null;
}

export const confirmStore = createStore<ConfirmState>()(() => ({ request: null, resolve: null }));

/** Asks; a question still open is answered 'cancel'. */
export function ask(request: ConfirmRequest): Promise<ConfirmAnswer> {
  confirmStore.getState().resolve?.('cancel');
  return new Promise((resolve) => confirmStore.setState({ request, resolve }));
}

/** Asks a yes/no question: true when confirmed. */
export async function confirmAction(request: ConfirmRequest): Promise<boolean> {
  return (await ask(request)) === 'confirm';
}

export function answerConfirm(answer: ConfirmAnswer | boolean): void {
  const { resolve } = confirmStore.getState();
  confirmStore.setState({ request: null, resolve: null });
  resolve?.(answer === true ? 'confirm' : answer === false ? 'cancel' : answer);
}

export function useConfirmRequest(): ConfirmRequest | null {
  return useStore(confirmStore, (s) => s.request);
}
