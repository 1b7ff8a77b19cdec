/**
 * Confirmation before destructive actions (cancel a run, discard or delete a saved one): one
 * question at a time, answered in the app's own dialog (ConfirmDialog), as a promise.
 */
import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';

export interface ConfirmRequest {
  title: string;
  message: string;
  confirmLabel: string;
  cancelLabel?: string;
  /** A destructive action: the confirm button is styled as one. */
  danger?: boolean;
}

interface ConfirmState {
  request: ConfirmRequest | null;
  resolve: ((ok: boolean) => void) | null;
}

export const confirmStore = createStore<ConfirmState>()(() => ({ request: null, resolve: null }));

/** Asks; resolves true when confirmed, false when declined (a question still open is declined). */
export function confirmAction(request: ConfirmRequest): Promise<boolean> {
  confirmStore.getState().resolve?.(false);
  return new Promise((resolve) => confirmStore.setState({ request, resolve }));
}

export function answerConfirm(ok: boolean): void {
  const { resolve } = confirmStore.getState();
  confirmStore.setState({ request: null, resolve: null });
  resolve?.(ok);
}

export function useConfirmRequest(): ConfirmRequest | null {
  return useStore(confirmStore, (s) => s.request);
}
