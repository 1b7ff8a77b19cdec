/**
 * App options read from the URL besides the backend (backend-choice.ts):
 * - `?models=tiny`: the tiny presets and the tiny run profile (seconds-long runs for tests and demos);
 * - `?demo=1`: load the public-domain demo corpus at start;
 * - `?fault=diverge@N` (tests): the first DP training fails as diverged after step N, to exercise
 *   the failure path (message, checkpoint kept, continue on another backend);
 * - `?storage=indexeddb` (tests): keep runs in IndexedDB, the fallback where OPFS is missing.
 */
import type { InjectedFault, ModelRole } from '../contract/protocol';
import type { RunProfile } from '../contract/run-settings';

export interface UrlOptions {
  profile: RunProfile;
  presets: Record<ModelRole, string>;
  demo: boolean;
  fault?: InjectedFault;
  storage?: 'indexeddb';
  /** Unknown values, for a warning in the log. */
  invalid: string[];
}

export function urlOptionsFromSearch(search: string): UrlOptions {
  const params = new URLSearchParams(search);
  const invalid: string[] = [];
  const models = params.get('models');
  let profile: RunProfile = 'standard';
  if (models === 'tiny') profile = 'tiny';
  else if (models !== null && models !== '' && models !== 'standard') invalid.push(`models=${models}`);
  const demo = params.get('demo');
  const fault = params.get('fault');
  const diverge = fault?.match(/^diverge@(\d+)$/);
  if (fault !== null && !diverge) invalid.push(`fault=${fault}`);
  const storage = params.get('storage');
  if (storage !== null && storage !== 'indexeddb') invalid.push(`storage=${storage}`);
  return {
    profile,
    presets:
      profile === 'tiny' ? { teacher: 'tiny', student: 'tiny' } : { teacher: 'teacher', student: 'student' },
    demo: demo === '1' || demo === 'true',
    ...(diverge ? { fault: { divergeAtDPStep: Number(diverge[1]) } } : {}),
    ...(storage === 'indexeddb' ? { storage } : {}),
    invalid,
  };
}
