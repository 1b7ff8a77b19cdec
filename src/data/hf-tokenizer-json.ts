/**
 * tokenizer.json, the Hugging Face `tokenizers` serialisation that `PreTrainedTokenizerFast`,
 * `tokenizers.Tokenizer.from_file` and transformers.js read (often as the only tokenizer file): a
 * byte-level BPE exactly as GPT-2's own tokenizer.json describes it (ByteLevel pre-tokenizer with
 * GPT-2's regex and no prefix space, the BPE model with vocab and merges, the ByteLevel decoder).
 * Merges are written as "a b" strings, the form every tokenizers version reads (tokens never
 * contain a space: bytes_to_unicode maps it to 'Ġ').
 */

export interface SpecialToken {
  id: number;
  content: string;
}

/**
 * An added special token as transformers (tokenizer_config.json) and tokenizers (tokenizer.json)
 * describe it: one definition, so both files always agree.
 */
export function addedTokenFlags(content: string) {
  return { content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true };
}

/**
 * @param vocabJson vocab.json's text (the BPE model's vocabulary, specials included, as GPT-2's has)
 * @param merges merges in priority order, each "a b" in the bytes_to_unicode alphabet
 */
export function huggingFaceTokenizerJson(
  vocabJson: string,
  merges: string[],
  specials: SpecialToken[],
): string {
  const byteLevel = (addPrefixSpace: boolean, trimOffsets: boolean) => ({
    type: 'ByteLevel',
    add_prefix_space: addPrefixSpace,
    trim_offsets: trimOffsets,
    use_regex: true,
  });
  const VOCAB = '"__vocab__"';
  const head = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((s) => ({ id: s.id, ...addedTokenFlags(s.content) })),
    normalizer: null,
    pre_tokenizer: byteLevel(false, true),
    // GPT-2's post-processor and decoder flags (they only adjust offsets; decoding is byte-exact).
    post_processor: byteLevel(true, false),
    decoder: byteLevel(true, true),
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      vocab: '__vocab__',
      merges,
    },
  };
  // The vocabulary is spliced in as written for vocab.json: JSON.stringify would reorder numeric keys.
  const text = JSON.stringify(head);
  const at = text.indexOf(VOCAB);
  return `${text.slice(0, at)}${vocabJson}${text.slice(at + VOCAB.length)}\n`;
}
