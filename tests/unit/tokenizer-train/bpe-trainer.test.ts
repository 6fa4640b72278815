import fs from 'node:fs';

import { describe, expect, it } from 'vitest';

import { ClipBpeTokenizer } from '../../../src/core/clip/bpe-tokenizer';
import { decodeClipTokens } from '../../../src/core/tokenizer-train/bpe-decoder';
import { preTokenize } from '../../../src/core/tokenizer-train/clip-pre-tokenize';
import { CLIP_BASE_VOCAB_SIZE, END_OF_TEXT, START_OF_TEXT, formatMergesText, formatVocabJson, trainClipBpe } from '../../../src/core/tokenizer-train/bpe-trainer';
import { sharedPath } from '../shared-path';

/** A slice of real TCGA lung report text, so the merges come from the domain. */
function reportCorpus(): string[] {
  const lines = fs.readFileSync(sharedPath('data/tcga-reports/lung_reports.jsonl'), 'utf8').split('\n').filter((line) => line.trim() !== '');
  return lines.slice(0, 120).map((line) => (JSON.parse(line) as { text: string }).text);
}

describe('trainClipBpe', () => {
  const corpus = reportCorpus();
  const trained = trainClipBpe(corpus, { vocabSize: 1200 });
  const tokenizer = ClipBpeTokenizer.fromVocabAndMerges(formatVocabJson(trained.vocab), formatMergesText(trained.merges));

  it('fills the vocabulary in CLIP order', () => {
    expect(Object.keys(trained.vocab).length).toBe(1200);
    expect(trained.merges.length).toBe(1200 - CLIP_BASE_VOCAB_SIZE);
    expect(trained.vocab[START_OF_TEXT]).toBe(1198);
    expect(trained.vocab[END_OF_TEXT]).toBe(1199);
    expect(trained.vocab['!']).toBe(0);
    expect(trained.vocab['!</w>']).toBe(256);
    const ids = Object.values(trained.vocab).sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: 1200 }, (_, id) => id));
  });

  it('learns domain words as single tokens', () => {
    // "carcinoma" is frequent in lung reports, so it must end up as one symbol with the word end.
    expect(trained.vocab['carcinoma</w>']).toBeGreaterThan(0);
    expect(tokenizer.encode('carcinoma')).toEqual([tokenizer.startTokenId, trained.vocab['carcinoma</w>'], tokenizer.endTokenId]);
  });

  it('round-trips space-separated text', () => {
    const text = 'Invasive Squamous cell CARCINOMA of the right upper lobe';
    expect(decodeClipTokens(tokenizer.encode(text), trained.vocab)).toBe(text.toLowerCase());
  });

  it('round-trips punctuation, digits and unseen bytes', () => {
    const text = 'Tumour size: 3.5 cm (pT2a), naïve 🫁 lung';
    const decoded = decodeClipTokens(tokenizer.encode(text), trained.vocab);
    expect(decoded).toBe(preTokenize(text).join(' '));
    expect(decoded.replace(/ /g, '')).toBe(text.toLowerCase().replace(/ /g, ''));
  });

  it('compresses report text', () => {
    const sample = corpus[0];
    const tokens = tokenizer.encode(sample).length;
    const characters = preTokenize(sample).slice(0, 75).join('').length;
    // Byte symbols alone would give one token per character.
    expect(tokens).toBeLessThan(characters / 2);
  });

  it('is deterministic', () => {
    const again = trainClipBpe(corpus, { vocabSize: 1200 });
    expect(again.merges).toEqual(trained.merges);
  });

  it('rejects a vocabulary below the byte alphabet', () => {
    expect(() => trainClipBpe(['abc'], { vocabSize: 100 })).toThrow(/at least 514/);
  });
});
