/**
 * The data choices as command-line options: which field holds the text, which fields (or folder
 * names) are labels, and so whether labels become control codes. They are the user's settings,
 * public by declaration and listed in the privacy report; nothing here is decided from the records.
 * When the records have a label-like field and the user said nothing about labels, the command
 * stops (exit 2) and asks, rather than guessing either way.
 */
import type { IngestResult } from '../data/types';
import { type DataChoices, DEFAULT_DATA_CHOICES } from '../pipeline/config';
import { type OptionSpec, type ParsedArgs, UsageError } from './args';
import { ingestPath } from './fs-data';

export const textFieldOption: OptionSpec = {
  name: 'text-field',
  type: 'string',
  description: 'Field of .jsonl/.csv/.json records holding the text (exact name)',
  default: DEFAULT_DATA_CHOICES.textField,
};

export const dataOptions: OptionSpec[] = [
  textFieldOption,
  {
    name: 'label-field',
    type: 'string',
    multiple: true,
    description: 'Field(s) used as labels, i.e. control codes (repeat, or a comma list)',
  },
  { name: 'no-labels', type: 'boolean', description: 'Use no labels (no control codes)' },
  {
    name: 'folder-labels',
    type: 'boolean',
    description: 'Use the folder names below the given folder as labels (control codes)',
  },
];

/**
 * The data choices of the options: labels only where the user named them; control codes whenever
 * there are labels. `preset` gives the choices of a public corpus (the demo's), which options
 * override.
 */
export function dataChoicesFromOptions(o: ParsedArgs['options'], preset?: DataChoices): DataChoices {
  const labelFields = (o['label-field'] as string[] | undefined) ?? [];
  if (o['no-labels'] && (labelFields.length > 0 || o['folder-labels']))
    throw new UsageError('--no-labels contradicts --label-field / --folder-labels');
  const base = preset ?? DEFAULT_DATA_CHOICES;
  const textField = o['text-field'] === undefined ? base.textField : String(o['text-field']);
  if (o['no-labels']) return { textField, labelFields: [], folderLabels: false, useControlCodes: false };
  const chosen = labelFields.length > 0 || o['folder-labels'] === true;
  if (!chosen && preset) return { ...preset, textField };
  return {
    textField,
    labelFields,
    folderLabels: o['folder-labels'] === true,
    useControlCodes: chosen,
  };
}

/**
 * Ingests `path` with the given choices. Stops with a usage error when the records have a field
 * that looks like labels (a local proposal, shown only to this user) and the options said nothing
 * about labels: the user decides, the data does not.
 */
export function ingestWithChoices(
  path: string,
  choices: DataChoices,
  o: ParsedArgs['options'],
  err: (s: string) => void,
  minDocuments: number,
): IngestResult {
  const result = ingestPath(path, err, minDocuments, {
    textField: choices.textField,
    labelFields: choices.labelFields,
    folderLabels: choices.folderLabels,
  });
  const saidSomething =
    o['no-labels'] === true || o['label-field'] !== undefined || o['folder-labels'] === true;
  const proposed = result.proposal?.labelFields ?? [];
  if (!saidSomething && choices.labelFields.length === 0 && proposed.length > 0) {
    throw new UsageError(
      `the records have a label-like field '${proposed[0]}': choose --label-field ${proposed[0]} (labels become control codes) or --no-labels`,
    );
  }
  return result;
}
