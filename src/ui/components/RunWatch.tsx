import { useEffect, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { stageKeyLabel } from '../labels';
import { runEta } from '../run-eta';
import { epsilonSpent } from '../run-readiness';
import { endNotice, showNotice, tabTitle } from '../run-watch';
import { useAppStore } from '../store';

/** Keeps the tab title on the run's progress and notifies (if asked) when a long run ends. Renders nothing. */
export function RunWatch() {
  const { run, profile } = useAppStore(useShallow((s) => ({ run: s.run, profile: s.profile })));
  const active = run.stageOrder.filter((k) => run.stages[k]?.status === 'active').at(-1) ?? null;
  const fraction = run.estimate ? runEta(run.estimate, run.stages).fraction : null;
  const title = tabTitle(run.status, fraction, active ? stageKeyLabel(active) : null);
  useEffect(() => {
    document.title = title;
  }, [title]);
  // When the run started running in this page (a run that was already over when opened is not news).
  const since = useRef<number | null>(null);
  const previous = useRef(run.status);
  useEffect(() => {
    const was = previous.current;
    previous.current = run.status;
    if (run.status === 'running' && was !== 'running') since.current ??= Date.now();
    if ((run.status === 'completed' || run.status === 'failed') && since.current !== null) {
      const notice = endNotice(run.status, (Date.now() - since.current) / 1000, profile, epsilonSpent(run));
      since.current = null;
      if (notice) showNotice(notice);
    }
    if (run.status === 'cancelled') since.current = null;
  }, [run, profile]);
  return null;
}
