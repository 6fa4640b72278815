import { byteToUnicodeTable } from './byte-unicode';
import { preTokenize } from './clip-pre-tokenize';

export const START_OF_TEXT = '<|startoftext|>';
export const END_OF_TEXT = '<|endoftext|>';
export const END_OF_WORD = '</w>';

/** 256 byte symbols, each also with the `</w>` suffix, plus the two special tokens. */
export const CLIP_BASE_VOCAB_SIZE = 2 * 256 + 2;

export interface BpeTrainerOptions {
  /** Final vocabulary size including the 512 byte symbols and the two special tokens. */
  vocabSize: number;
  /** Pairs seen fewer times than this are never merged, so training may stop below vocabSize. */
  minPairFrequency?: number;
}

export interface TrainedBpe {
  /** Symbol to id, in CLIP's order: bytes, bytes + `</w>`, merges by rank, start token, end token. */
  vocab: Record<string, number>;
  /** Merged pairs by rank (rank 0 is applied first). */
  merges: [string, string][];
}

interface WordEntry {
  symbols: string[];
  count: number;
}

/**
 * Learns a CLIP-format byte-level BPE from `texts`. Each text is normalised and split as the CLIP
 * tokenizer does, and each pre-token becomes byte symbols with `</w>` on the last one. The most
 * frequent adjacent pair is then merged until the vocabulary reaches `vocabSize`. Ties go to the pair
 * whose "left right" string sorts first, so the result depends only on the corpus and options.
 */
export function trainClipBpe(texts: Iterable<string>, options: BpeTrainerOptions): TrainedBpe {
  const { vocabSize } = options;
  const minPairFrequency = options.minPairFrequency ?? 2;
  if (!Number.isInteger(vocabSize) || vocabSize < CLIP_BASE_VOCAB_SIZE) {
    throw new Error(`BPE trainer: vocabSize must be an integer of at least ${CLIP_BASE_VOCAB_SIZE} (bytes, bytes with </w>, two special tokens), got ${vocabSize}.`);
  }

  const words = countWords(texts);
  const pairCounts = new Map<string, number>();
  const pairWords = new Map<string, Set<number>>();
  words.forEach((word, index) => addPairs(word, index, pairCounts, pairWords));

  const merges: [string, string][] = [];
  const mergeBudget = vocabSize - CLIP_BASE_VOCAB_SIZE;
  while (merges.length < mergeBudget) {
    const best = mostFrequentPair(pairCounts);
    if (!best || best.count < minPairFrequency) break;

    const [left, right] = best.pair.split(' ');
    merges.push([left, right]);
    for (const index of pairWords.get(best.pair) ?? []) {
      const word = words[index];
      const merged = mergeSymbols(word.symbols, left, right);
      if (merged.length === word.symbols.length) continue;

      removePairs(word, pairCounts);
      word.symbols = merged;
      addPairs(word, index, pairCounts, pairWords);
    }
    pairWords.delete(best.pair);
  }

  return { vocab: buildVocab(merges), merges };
}

/** Writes `vocab.json` text as Hugging Face CLIPTokenizer reads it. */
export function formatVocabJson(vocab: Record<string, number>): string {
  const ordered = Object.entries(vocab).sort((a, b) => a[1] - b[1]);
  return `${JSON.stringify(Object.fromEntries(ordered))}\n`;
}

/** Writes `merges.txt` text: a version header, then one "left right" pair per line by rank. */
export function formatMergesText(merges: readonly (readonly [string, string])[]): string {
  return ['#version: 0.2', ...merges.map(([left, right]) => `${left} ${right}`)].join('\n') + '\n';
}

function countWords(texts: Iterable<string>): WordEntry[] {
  const byteChars = byteToUnicodeTable();
  const encoder = new TextEncoder();
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const token of preTokenize(text)) {
      if (token === START_OF_TEXT || token === END_OF_TEXT) continue;
      counts.set(token, (counts.get(token) ?? 0) + 1);
    }
  }

  const words: WordEntry[] = [];
  for (const [token, count] of counts) {
    const symbols = Array.from(encoder.encode(token), (byte) => byteChars[byte]);
    symbols[symbols.length - 1] += END_OF_WORD;
    words.push({ symbols, count });
  }
  return words;
}

function addPairs(word: WordEntry, index: number, pairCounts: Map<string, number>, pairWords: Map<string, Set<number>>): void {
  for (let i = 0; i + 1 < word.symbols.length; i++) {
    const pair = `${word.symbols[i]} ${word.symbols[i + 1]}`;
    pairCounts.set(pair, (pairCounts.get(pair) ?? 0) + word.count);
    let owners = pairWords.get(pair);
    if (!owners) {
      owners = new Set();
      pairWords.set(pair, owners);
    }
    owners.add(index);
  }
}

function removePairs(word: WordEntry, pairCounts: Map<string, number>): void {
  for (let i = 0; i + 1 < word.symbols.length; i++) {
    const pair = `${word.symbols[i]} ${word.symbols[i + 1]}`;
    const remaining = (pairCounts.get(pair) ?? 0) - word.count;
    if (remaining > 0) pairCounts.set(pair, remaining);
    else pairCounts.delete(pair);
  }
}

function mostFrequentPair(pairCounts: Map<string, number>): { pair: string; count: number } | undefined {
  let best: { pair: string; count: number } | undefined;
  for (const [pair, count] of pairCounts) {
    if (!best || count > best.count || (count === best.count && pair < best.pair)) best = { pair, count };
  }
  return best;
}

/** Merges each non-overlapping occurrence of (left, right) from the left, as the CLIP tokenizer applies a merge. */
function mergeSymbols(symbols: readonly string[], left: string, right: string): string[] {
  const merged: string[] = [];
  for (let i = 0; i < symbols.length; i++) {
    if (i + 1 < symbols.length && symbols[i] === left && symbols[i + 1] === right) {
      merged.push(left + right);
      i++;
    } else {
      merged.push(symbols[i]);
    }
  }
  return merged;
}

/** CLIP's id order: the byte table in its own order, the same with `</w>`, merge results by rank, then the two special tokens. */
function buildVocab(merges: readonly [string, string][]): Record<string, number> {
  const byteChars = byteToUnicodeTable();
  const printableFirst = [
    ...byteChars.filter((char) => char.charCodeAt(0) < 256),
    ...byteChars.filter((char) => char.charCodeAt(0) >= 256),
  ];

  const symbols = [...printableFirst, ...printableFirst.map((char) => char + END_OF_WORD), ...merges.map(([left, right]) => left + right), START_OF_TEXT, END_OF_TEXT];
  const vocab: Record<string, number> = {};
  symbols.forEach((symbol, id) => {
    if (symbol in vocab) throw new Error(`BPE trainer: symbol "${symbol}" would get two ids (${vocab[symbol]} and ${id}) because the merge list has a duplicate.`);
    vocab[symbol] = id;
  });
  return vocab;
}
