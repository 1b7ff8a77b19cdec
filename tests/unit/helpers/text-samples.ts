/** Text that tokenizers must round-trip: scripts, combining marks, RTL, every kind of whitespace, emoji. */
export const ROUND_TRIP_SAMPLES: Record<string, string> = {
  ascii: 'The quick brown fox jumps over the lazy dog. 0123456789 !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
  empty: '',
  cjk: '日本語のテキストと中文文本，한국어 텍스트。',
  combining: 'e\u0301 a\u0308 n\u0303 \u1e9b\u0323 Z\u0351\u0362\u0336a\u0367l\u0346g\u033eo',
  rtl: 'مرحبا بالعالم — שלום עולם \u202Bembedded\u202C',
  tabsAndNewlines: 'a\tb\t\tc\nd\r\ne\rf\n\n\ng',
  unicodeSpaces: 'nb\u00a0sp nel\u0085x ls\u2028ps\u2029 ideo\u3000sp thin\u2009 ogham\u1680 nnbsp\u202f',
  bom: '\ufeffstarts with a BOM and has one\ufeffinside',
  emoji: 'emoji 😀 👍🏽 flags 🇫🇷🇯🇵 zwj 👩‍👩‍👧‍👦 🧑🏿‍🚀 keycap 1️⃣',
  controls: '\u0000\u0001\u001b[31mred\u001b[0m\u007f\u009f',
  specialLookalike: 'text <|endoftext|> more <|pad|>',
  longWord: `${'x'.repeat(3000)}${'ab'.repeat(700)}`,
  astral: '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟘𝟙𝟚 𓀀𓀁',
};
