/**
 * CLIP's text normalisation and pre-tokenisation, as in `src/core/clip/bpe-tokenizer.ts` (OpenAI CLIP
 * `simple_tokenizer.py`): NFC, whitespace collapsed, lower-cased, then split into words, single digits
 * and runs of punctuation. The trainer must split text exactly as the tokenizer will, or learned merges
 * would span boundaries the tokenizer never joins.
 */

// NOTE: a copy of PRE_TOKEN_PATTERN in bpe-tokenizer.ts, which does not export it. The
// tokenizer-train tests encode with ClipBpeTokenizer and check round trips, so a drift shows there.
const PRE_TOKEN_PATTERN = /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+/giu;

/** NFC, whitespace collapsed to single spaces, trimmed, lower-cased. */
export function normaliseClipText(text: string): string {
  return text.normalize('NFC').replace(/\s+/g, ' ').trim().toLowerCase();
}

/** Splits normalised text into the pre-tokens that BPE runs on separately. */
export function preTokenize(text: string): string[] {
  return Array.from(normaliseClipText(text).matchAll(PRE_TOKEN_PATTERN), (match) => match[0]);
}
