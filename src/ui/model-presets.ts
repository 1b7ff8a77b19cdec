/**
 * The presets the Models panel offers. The UI cannot import src/model (TF.js lives there), so the
 * names are listed here; tests/unit/ui-model-presets.test.ts checks them against MODEL_PRESETS.
 */
export interface PresetOption {
  name: string;
  label: string;
}

export const PRESET_OPTIONS: readonly PresetOption[] = [
  {
    name: 'teacher',
    label: 'Teacher base (4 layers, width 128, byte-level, pretrained on public-domain text)',
  },
  {
    name: 'student',
    label: 'Student base (2 layers, width 96, byte-level, pretrained on public-domain text)',
  },
  { name: 'tiny', label: 'Tiny (2 layers, width 32, random init: for tests)' },
];
