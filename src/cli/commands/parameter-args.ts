/** CLI options that choose what DP-SGD trains (shared by `train` and `pipeline`). */
import type { ParameterSelection } from '../../dp/clipping';
import { DEFAULT_LORA, LORA_TARGETS, type LoraConfig, type LoraTarget } from '../../model/lora';
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
  const targets = String(o['lora-targets'] ?? DEFAULT_LORA.targets.join(','))
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
    lora: {
      rank: Number(o['lora-rank'] ?? DEFAULT_LORA.rank),
      alpha: Number(o['lora-alpha'] ?? DEFAULT_LORA.alpha),
      targets: targets as LoraTarget[],
    },
  };
}

/** The options parameterSelectionArgs reads, without defaults (an unset option keeps the layer below). */
export const PARAMETER_OPTIONS = [
  {
    name: 'parameters',
    type: 'string',
    description: `What DP-SGD trains: ${Object.keys(SELECTIONS).join(', ')} (default: the recipe rule's)`,
  },
  { name: 'lora-rank', type: 'number', description: `LoRA rank r (default ${DEFAULT_LORA.rank})` },
  {
    name: 'lora-alpha',
    type: 'number',
    description: `LoRA scale numerator: the update is x alpha / r (default ${DEFAULT_LORA.alpha})`,
  },
  {
    name: 'lora-targets',
    type: 'string',
    description: `Comma list of adapted layers (default ${DEFAULT_LORA.targets.join(',')})`,
  },
] as const;
