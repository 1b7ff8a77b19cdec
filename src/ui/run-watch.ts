/**
 * What the page shows outside itself while a run goes on: the progress in the tab title, and a
 * system notification when a long run ends (only if the user asked for one and the browser
 * allows it; nothing otherwise). Pure helpers, plus the small opt-in store.
 */
import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';
import type { RunProfile } from '../contract/run-settings';
import type { UiRunStatus } from './run-slice';

export const APP_TITLE = 'DistilDP';

/** A run this long (seconds) or longer is worth a notification when it ends (tiny test runs: any). */
export const LONG_RUN_SECONDS: Record<RunProfile, number> = { standard: 60, tiny: 0 };

export function tabTitle(status: UiRunStatus, fraction: number | null, stageLabel: string | null): string {
  switch (status) {
    case 'running':
    case 'pausing': {
      const pct = fraction === null ? '' : `${Math.floor(100 * fraction)}% · `;
      return `${pct}${stageLabel ?? 'Running'} · ${APP_TITLE}`;
    }
    case 'starting':
      return `Starting… · ${APP_TITLE}`;
    case 'paused':
      return `Paused · ${APP_TITLE}`;
    case 'cancelling':
      return `Cancelling… · ${APP_TITLE}`;
    case 'completed':
      return `✓ Finished · ${APP_TITLE}`;
    case 'failed':
      return `Stopped · ${APP_TITLE}`;
    default:
      return APP_TITLE;
  }
}

export interface EndNotice {
  title: string;
  body: string;
}

/** The notification for a run that ended, or null when none is due. */
export function endNotice(
  status: UiRunStatus,
  runSeconds: number,
  profile: RunProfile,
  epsilon: number,
): EndNotice | null {
  if (runSeconds < LONG_RUN_SECONDS[profile]) return null;
  if (status === 'completed')
    return {
      title: 'DistilDP: the run finished',
      body: `ε spent ${epsilon.toFixed(3)}. Results and downloads are ready.`,
    };
  if (status === 'failed')
    return {
      title: 'DistilDP: the run stopped',
      body: 'A failure stopped it; its last checkpoint is intact.',
    };
  return null;
}

export type NotifyState = 'unsupported' | 'off' | 'on' | 'denied';

export const notifyStore = createStore<{ wanted: boolean }>()(() => ({ wanted: false }));

export function notifyState(wanted: boolean): NotifyState {
  if (typeof Notification === 'undefined') return 'unsupported';
  if (Notification.permission === 'denied') return 'denied';
  return wanted && Notification.permission === 'granted' ? 'on' : 'off';
}

export function useNotifyState(): NotifyState {
  return notifyState(useStore(notifyStore, (s) => s.wanted));
}

/** Asked from a button press (browsers only ask then); a refusal is remembered by the browser. */
export async function turnNotificationsOn(): Promise<void> {
  if (typeof Notification === 'undefined') return;
  const permission =
    Notification.permission === 'default' ? await Notification.requestPermission() : Notification.permission;
  notifyStore.setState({ wanted: permission === 'granted' });
}

export function turnNotificationsOff(): void {
  notifyStore.setState({ wanted: false });
}

export function showNotice(notice: EndNotice): void {
  if (notifyState(notifyStore.getState().wanted) !== 'on') return;
  try {
    new Notification(notice.title, { body: notice.body, tag: 'distildp-run' });
  } catch {
    // Some browsers only allow notifications from a service worker: then there is none.
  }
}
