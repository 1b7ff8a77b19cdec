/** CLI options that choose what DP-SGD trains (shared by `train` and `pipeline`). */
import type { ParameterSelection } from '../../dp/clipping';
import { LORA_TARGETS, type LoraConfig, type LoraTarget } from '../../model/lora';
import { type ParsedArgs, UsageError } from '../args';

const SELECTIONS: Record<string, ParameterSelection> = {
  all: 'all',
  'bias-layernorm': 'biasLayerNorm',
  lora: 'lora',
};

/** --parameters, --lora-rank, --lora-alpha, --lora-targets -> DP training fields (given ones only). */
export function parameterSelectionArgs(o: ParsedArgs['options']): {
  parameters?: ParameterSelection;
  lora?: LoraConfig;
} {
  if (o.parameters === undefined) return {};
  const parameters = SELECTIONS[String(o.parameters)];
  if (!parameters)
    throw new UsageError(
      `--parameters is one of ${Object.keys(SELECTIONS).join(', ')}; got "${o.parameters}"`,
    );
  if (parameters !== 'lora') return { parameters };
  const targets = String(o['lora-targets'])
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const bad = targets.filter((t) => !(LORA_TARGETS as readonly string[]).includes(t));
  if (bad.length || targets.length === 0)
    throw new UsageError(
      `--lora-targets takes a comma list of ${LORA_TARGETS.join(', ')}; got "${o['lora-targets']}"`,
    );
  return {
    parameters,
    lora: { rank: Number(o['lora-rank']), alpha: Number(o['lora-alpha']), targets: targets as LoraTarget[] },
  };
}
