/**
 * Splits reports into passages under a token budget, so each passage fits the
 * text model's context (77 tokens for OpenAI-style CLIP, 128 for CONCH)
 * instead of the model reading only the start of a long report.
 */

import { countWords, type Report } from './corpus';

export interface Passage {
  reportId: string;
  /** 0-based position of the passage within its report. */
  index: number;
  text: string;
}

export interface PassageOptions {
  /** 'sentence' packs sentences; 'paragraph' packs blank-line-separated paragraphs. */
  mode: 'sentence' | 'paragraph';
  /** Maximum tokens per passage, as counted by `countTokens`. */
  maxTokens: number;
  /** Token counter; defaults to a whitespace word count. Inject the model's tokenizer for exact budgets. */
  countTokens?: (text: string) => number;
}

/**
 * Splits one report. Units (sentences or paragraphs) are packed greedily in
 * order; a unit over the budget is split further: paragraphs into sentences,
 * sentences into runs of words.
 */
export function splitIntoPassages(report: Pick<Report, 'id' | 'text'>, options: PassageOptions): Passage[] {
  if (!(options.maxTokens >= 1)) throw new RangeError(`maxTokens must be at least 1, got ${options.maxTokens}`);
  const countTokens = options.countTokens ?? countWords;

  const units = options.mode === 'paragraph' ? splitParagraphs(report.text) : splitSentences(report.text);
  const pieces: string[] = [];
  for (const unit of units) pieces.push(...fitUnit(unit, options.maxTokens, countTokens, options.mode));

  const passages: Passage[] = [];
  let current = '';
  for (const piece of pieces) {
    const joined = current === '' ? piece : `${current}${options.mode === 'paragraph' ? '\n\n' : ' '}${piece}`;
    if (current !== '' && countTokens(joined) > options.maxTokens) {
      passages.push({ reportId: report.id, index: passages.length, text: current });
      current = piece;
    } else {
      current = joined;
    }
  }
  if (current !== '') passages.push({ reportId: report.id, index: passages.length, text: current });
  return passages;
}

/** Splits every report of a list, keeping report order. */
export function splitReportsIntoPassages(reports: readonly Pick<Report, 'id' | 'text'>[], options: PassageOptions): Passage[] {
  return reports.flatMap((report) => splitIntoPassages(report, options));
}

/**
 * Sentence ends: '.', '!' or '?' followed by whitespace and a capital letter,
 * digit or opening bracket, or a line break. Abbreviations such as "max. 3 cm"
 * may be split too; for passages that only costs a slightly shorter passage.
 */
export function splitSentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+(?=[\p{Lu}\d(])|\n+/u)
    .map((sentence) => sentence.replace(/\s+/g, ' ').trim())
    .filter((sentence) => sentence !== '');
}

export function splitParagraphs(text: string): string[] {
  return text
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.trim())
    .filter((paragraph) => paragraph !== '');
}

function fitUnit(unit: string, maxTokens: number, countTokens: (text: string) => number, mode: PassageOptions['mode']): string[] {
  if (countTokens(unit) <= maxTokens) return [unit];
  if (mode === 'paragraph') {
    return splitSentences(unit).flatMap((sentence) => fitUnit(sentence, maxTokens, countTokens, 'sentence'));
  }

  // Word runs: grow until the next word would break the budget.
  const words = unit.split(/\s+/).filter((word) => word !== '');
  const pieces: string[] = [];
  let current: string[] = [];
  for (const word of words) {
    const candidate = [...current, word];
    if (current.length > 0 && countTokens(candidate.join(' ')) > maxTokens) {
      pieces.push(current.join(' '));
      current = [word];
    } else {
      current = candidate;
    }
  }
  if (current.length > 0) pieces.push(current.join(' '));
  return pieces;
}
