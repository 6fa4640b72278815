/**
 * The CLIP byte-level BPE tokenizer (OpenAI CLIP `simple_tokenizer.py`, Hugging Face CLIPTokenizer).
 * Text is NFC-normalised, whitespace is collapsed to single spaces, the text is lower-cased (accents
 * are kept), split by the CLIP pre-tokenisation pattern, mapped byte by byte to printable characters
 * and merged with the ranked BPE merges. The last symbol of each word carries the `</w>` suffix.
 */

export const START_OF_TEXT = '<|startoftext|>';
export const END_OF_TEXT = '<|endoftext|>';

/** The CLIP context: 77 positions, so at most 75 text tokens between the start and end tokens. */
export const CLIP_CONTEXT_LENGTH = 77;

const PRE_TOKEN_PATTERN = /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+/giu;

export interface ClipTokenizerOptions {
  /** Total sequence length including the start and end tokens. */
  contextLength?: number;
}

export class ClipBpeTokenizer {
  readonly contextLength: number;
  readonly startTokenId: number;
  readonly endTokenId: number;

  private readonly vocab: Map<string, number>;
  private readonly mergeRanks: Map<string, number>;
  private readonly byteToChar: string[];
  private readonly wordCache = new Map<string, number[]>();

  /** `merges` contains symbol pairs in rank order (rank 0 merges first). */
  constructor(vocab: Record<string, number>, merges: ReadonlyArray<readonly [string, string]>, options: ClipTokenizerOptions = {}) {
    this.contextLength = options.contextLength ?? CLIP_CONTEXT_LENGTH;
    this.vocab = new Map(Object.entries(vocab));
    this.mergeRanks = new Map(merges.map(([left, right], rank) => [`${left} ${right}`, rank]));
    this.byteToChar = buildByteToChar();

    const start = this.vocab.get(START_OF_TEXT);
    const end = this.vocab.get(END_OF_TEXT);
    if (start === undefined || end === undefined) {
      throw new Error(`CLIP tokenizer vocabulary lacks ${START_OF_TEXT} or ${END_OF_TEXT}. Check that vocab.json or tokenizer.json belongs to a CLIP model.`);
    }
    this.startTokenId = start;
    this.endTokenId = end;
  }

  /** Builds the tokenizer from the text of `vocab.json` and `merges.txt`. */
  static fromVocabAndMerges(vocabJson: string, mergesText: string, options?: ClipTokenizerOptions): ClipBpeTokenizer {
    let vocab: Record<string, number>;
    try {
      vocab = JSON.parse(vocabJson);
    } catch (error) {
      throw new Error(`vocab.json: invalid JSON (${(error as Error).message}).`);
    }

    const merges: [string, string][] = [];
    for (const line of mergesText.split('\n')) {
      const trimmed = line.trim();
      if (trimmed === '' || trimmed.startsWith('#version')) continue;
      const parts = trimmed.split(' ');
      if (parts.length !== 2) throw new Error(`merges.txt: line "${trimmed}" is not a pair of symbols.`);
      merges.push([parts[0], parts[1]]);
    }
    return new ClipBpeTokenizer(vocab, merges, options);
  }

  /** Builds the tokenizer from the text of a Hugging Face `tokenizer.json` with a BPE model. */
  static fromTokenizerJson(tokenizerJson: string, options?: ClipTokenizerOptions): ClipBpeTokenizer {
    let parsed: { model?: { type?: string; vocab?: Record<string, number>; merges?: unknown[] }; added_tokens?: { id: number; content: string }[] };
    try {
      parsed = JSON.parse(tokenizerJson);
    } catch (error) {
      throw new Error(`tokenizer.json: invalid JSON (${(error as Error).message}).`);
    }

    const model = parsed.model;
    if (!model || !model.vocab || !Array.isArray(model.merges)) {
      throw new Error('tokenizer.json: expected a BPE model with "vocab" and "merges". Provide vocab.json and merges.txt instead.');
    }

    const vocab = { ...model.vocab };
    for (const added of parsed.added_tokens ?? []) vocab[added.content] = added.id;

    // Older tokenizers releases write merges as "a b" strings, newer ones as [a, b] arrays.
    const merges = model.merges.map((merge, rank) => {
      const pair = typeof merge === 'string' ? merge.split(' ') : merge;
      if (!Array.isArray(pair) || pair.length !== 2) throw new Error(`tokenizer.json: merge ${rank} is not a pair of symbols.`);
      return [String(pair[0]), String(pair[1])] as [string, string];
    });
    return new ClipBpeTokenizer(vocab, merges, options);
  }

  /** Tokenises one text: start token, up to contextLength - 2 text tokens, end token. Not padded. */
  encode(text: string): number[] {
    const maxTextTokens = this.contextLength - 2;
    const ids = [this.startTokenId];

    for (const match of normaliseText(text).matchAll(PRE_TOKEN_PATTERN)) {
      for (const id of this.encodeWord(match[0])) {
        if (ids.length > maxTextTokens) break;
        ids.push(id);
      }
      if (ids.length > maxTextTokens) break;
    }

    ids.push(this.endTokenId);
    return ids;
  }

  encodeBatch(texts: readonly string[]): number[][] {
    return texts.map((text) => this.encode(text));
  }

  private encodeWord(word: string): number[] {
    const cached = this.wordCache.get(word);
    if (cached) return cached;

    let ids: number[];
    if (word === START_OF_TEXT || word === END_OF_TEXT) {
      ids = [word === START_OF_TEXT ? this.startTokenId : this.endTokenId];
    } else {
      const byteChars = Array.from(new TextEncoder().encode(word), (byte) => this.byteToChar[byte]);
      ids = this.applyMerges(byteChars).map((symbol) => {
        const id = this.vocab.get(symbol);
        if (id === undefined) throw new Error(`CLIP tokenizer: BPE symbol "${symbol}" of word "${word}" is missing from the vocabulary. vocab.json and merges.txt do not match.`);
        return id;
      });
    }

    this.wordCache.set(word, ids);
    return ids;
  }

  /** Repeatedly merges the adjacent pair with the lowest rank until no ranked pair remains. */
  private applyMerges(chars: string[]): string[] {
    let symbols = chars.slice();
    symbols[symbols.length - 1] += '</w>';

    while (symbols.length > 1) {
      let bestRank = Infinity;
      let bestPair = '';
      for (let i = 0; i + 1 < symbols.length; i++) {
        const pair = `${symbols[i]} ${symbols[i + 1]}`;
        const rank = this.mergeRanks.get(pair);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          bestPair = pair;
        }
      }
      if (bestRank === Infinity) break;

      const [left, right] = bestPair.split(' ');
      const merged: string[] = [];
      for (let i = 0; i < symbols.length; i++) {
        if (i + 1 < symbols.length && symbols[i] === left && symbols[i + 1] === right) {
          merged.push(left + right);
          i++;
        } else {
          merged.push(symbols[i]);
        }
      }
      symbols = merged;
    }
    return symbols;
  }
}

/** Builds a CLIP tokenizer from a model folder: `tokenizer.json` if present, else `vocab.json` + `merges.txt`. */
export function loadClipTokenizerFromFiles(files: ReadonlyMap<string, Uint8Array>, options?: ClipTokenizerOptions): ClipBpeTokenizer {
  const decoder = new TextDecoder();
  const tokenizerJson = files.get('tokenizer.json');
  if (tokenizerJson) return ClipBpeTokenizer.fromTokenizerJson(decoder.decode(tokenizerJson), options);

  const vocab = files.get('vocab.json');
  const merges = files.get('merges.txt');
  if (!vocab || !merges) {
    throw new Error('CLIP tokenizer files not found: the model folder needs tokenizer.json, or vocab.json and merges.txt.');
  }
  return ClipBpeTokenizer.fromVocabAndMerges(decoder.decode(vocab), decoder.decode(merges), options);
}

/** NFC, whitespace collapsed to single spaces, trimmed, lower-cased. */
export function normaliseText(text: string): string {
  // NOTE: the original CLIP tokenizer also runs ftfy.fix_text and HTML unescaping; Hugging Face's
  // fast tokenizer does not, and neither does this one, so "&amp;" stays four characters.
  return text.normalize('NFC').replace(/\s+/g, ' ').trim().toLowerCase();
}

/**
 * GPT-2 byte-to-unicode table: printable Latin-1 bytes map to themselves, the other 68 bytes map
 * to code points from 256 upward, so every byte sequence becomes a printable string.
 */
function buildByteToChar(): string[] {
  const printable: number[] = [];
  for (let byte = 0x21; byte <= 0x7e; byte++) printable.push(byte);
  for (let byte = 0xa1; byte <= 0xac; byte++) printable.push(byte);
  for (let byte = 0xae; byte <= 0xff; byte++) printable.push(byte);

  const table = new Array<string>(256);
  let extra = 0;
  for (let byte = 0; byte < 256; byte++) {
    if (printable.includes(byte)) table[byte] = String.fromCharCode(byte);
    else table[byte] = String.fromCharCode(256 + extra++);
  }
  return table;
}
