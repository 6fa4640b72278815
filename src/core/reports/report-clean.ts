/**
 * Conservative cleaning of OCR'd pathology reports. It removes barcode junk
 * (long runs of I, l, 1, |), redaction placeholders, UUID and TCGA barcode
 * header lines and repeated whitespace, and never edits characters inside a
 * real word: junk is removed as whole whitespace-separated tokens, so
 * "Invasive", "II", "1.2 cm", "pT2 N0" and "Stage III A" pass through unchanged.
 */

export interface CleanOptions {
  /** Remove barcode junk tokens and lines (default true). */
  barcodes?: boolean;
  /** Remove redaction placeholders such as [REDACTED], XXXX, *** and ### (default true). */
  redactions?: boolean;
  /** Remove UUID lines and lines that hold only a TCGA barcode (default true). */
  headers?: boolean;
  /** Collapse runs of spaces and blank lines, trim line ends (default true). */
  whitespace?: boolean;
}

export interface CleanCounts {
  /** Lines dropped because they held only barcode junk. */
  barcodeLines: number;
  /** Junk token runs removed from lines that also hold real text. */
  junkSpans: number;
  /** UUID and TCGA barcode header lines dropped. */
  headerLines: number;
  redactions: number;
  whitespaceRuns: number;
  charsBefore: number;
  charsAfter: number;
}

export interface RemovedLine {
  /** 1-based line number in the raw text. */
  line: number;
  text: string;
  kind: 'barcode' | 'header';
}

export interface CleanResult {
  text: string;
  counts: CleanCounts;
  removedLines: RemovedLine[];
}

/** Characters OCR produces from a printed barcode. */
const JUNK_CHARS = /^[Il1|!i^'"()[\]]+$/;
const BARCODE_RUN = /[Il1|]{6,}/;
const JUNK_RUN_4 = /[Il1|]{4,}/;

/** A run of junk tokens is removed only when it contains this many junk characters or one long barcode run. */
const MIN_JUNK_CHARS_IN_RUN = 8;

const REDACTION_PATTERNS: RegExp[] = [
  /[[<(]\s*(?:redacted|removed|deleted|name removed)[^\])>\n]{0,40}[\])>]/gi,
  /\b(?:REDACTED|Redacted|redacted)\b/g,
  /\bX{1,2}[/-]X{1,2}[/-]X{2,4}\b/g,
  /\b[Xx]{3,}\b/g,
  /\*{3,}/g,
  /#{3,}/g,
];

const UUID_PATTERN = /[0-9A-Fa-f]{8}\s*[-.]?\s*[0-9A-Fa-f]{4}\s*[-.]?\s*[0-9A-Fa-f]{4}\s*[-.]?\s*[0-9A-Fa-f]{4}\s*[-.]?\s*[0-9A-Fa-f]{12}/;
// OCR often reads the C of TCGA as O or 0.
const TCGA_BARCODE = /\bT[CO0]GA-[A-Z0-9]{2}-[A-Z0-9]{4}(?:-[A-Z0-9]{2,4}[A-Z]?)*/g;
const HEADER_LEFTOVER_TOKENS = new Set(['-PR', 'PR', '-', 'Redacted', 'REDACTED', 'DX', '.']);

export function cleanReportText(raw: string, options: CleanOptions = {}): CleanResult {
  const settings = { barcodes: true, redactions: true, headers: true, whitespace: true, ...options };
  const counts: CleanCounts = {
    barcodeLines: 0,
    junkSpans: 0,
    headerLines: 0,
    redactions: 0,
    whitespaceRuns: 0,
    charsBefore: raw.length,
    charsAfter: 0,
  };
  const removedLines: RemovedLine[] = [];
  const kept: string[] = [];

  raw.split(/\r\n|\n|\r/).forEach((original, index) => {
    let line = original;

    if (settings.headers && isHeaderLine(line)) {
      counts.headerLines += 1;
      removedLines.push({ line: index + 1, text: original, kind: 'header' });
      return;
    }

    if (settings.barcodes) {
      const result = removeJunkTokens(line);
      if (isJunkLine(line, result)) {
        counts.barcodeLines += 1;
        removedLines.push({ line: index + 1, text: original, kind: 'barcode' });
        return;
      }
      counts.junkSpans += result.removedRuns;
      line = result.text;
    }

    if (settings.redactions) {
      const before = line;
      for (const pattern of REDACTION_PATTERNS) {
        line = line.replace(pattern, () => {
          counts.redactions += 1;
          return ' ';
        });
      }
      // A line that held only placeholders is dropped rather than kept blank.
      if (line !== before && line.trim() === '') return;
    }

    kept.push(line);
  });

  let text = kept.join('\n');
  if (settings.whitespace) text = collapseWhitespace(text, counts);

  counts.charsAfter = text.length;
  return { text, counts, removedLines };
}

/** True for a line made mostly of barcode junk (used by tests and the UI preview). */
export function isBarcodeJunkLine(line: string): boolean {
  return isJunkLine(line, removeJunkTokens(line));
}

/**
 * Decides whether a line is dropped whole: when junk removal leaves no letter or digit. It is
 * also dropped when junk made up at least 85% of its characters and only
 * fragments of at most 4 characters are left ("VIII", "Hill", "OF"), because
 * OCR reads such fragments out of barcode stripes.
 */
function isJunkLine(line: string, result: { text: string; removedRuns: number; removedChars: number }): boolean {
  if (result.removedRuns === 0) return false;
  if (isEmptyAfterRemoval(result.text)) return true;

  const totalChars = line.replace(/\s+/g, '').length;
  const leftover = result.text.split(/\s+/).filter((token) => token !== '');
  return result.removedChars / totalChars >= 0.85 && leftover.every((token) => token.length <= 4);
}

/**
 * Removes runs of consecutive junk tokens. A token is junk when it is made only
 * of barcode characters, or when it is at least 6 characters long, 80% barcode
 * characters and contains a run of 4 I/l/1/| (e.g. "IIIIHIIIII"). Short tokens such
 * as "II" or "III" are removed only inside a run that is clearly a barcode.
 */
function removeJunkTokens(line: string): { text: string; removedRuns: number; removedChars: number } {
  const parts = splitGluedJunk(line).split(/(\s+)/);
  // After splitting, a token that still contains a long run is a barcode blob.
  const isJunk = parts.map((part, i) => i % 2 === 0 && part !== '' && (isJunkToken(part) || BARCODE_RUN.test(part)));
  let removedRuns = 0;
  let removedChars = 0;

  let i = 0;
  while (i < parts.length) {
    if (!isJunk[i]) {
      i += 1;
      continue;
    }

    let end = i;
    let junkChars = 0;
    let strong = false;
    while (end < parts.length && (isJunk[end] || (end % 2 === 1 && isJunk[end + 1]))) {
      if (end % 2 === 0) {
        junkChars += parts[end].length;
        strong ||= BARCODE_RUN.test(parts[end]);
      }
      end += 1;
    }

    if (strong || junkChars >= MIN_JUNK_CHARS_IN_RUN) {
      for (let k = i; k < end; k++) parts[k] = k % 2 === 0 ? '' : ' ';
      removedRuns += 1;
      removedChars += junkChars;
    }
    i = end;
  }
  return { text: parts.join(''), removedRuns, removedChars };
}

/**
 * Separates barcode runs of 6+ I/l/1/| characters from words glued to them
 * ("IIIIIIIRedacted", "No.IIIIIIII", "byllllllllregulations"). Pieces between
 * runs that do not look like words ("0", "^(") join the junk. When a run ends in
 * "I" and the next piece starts in lower case, that "I" stays with the word,
 * because it is the word's capital ("IIIIIIIInvasive" keeps "Invasive").
 * English and medical words do not contain six of these characters in a
 * row, so a split does not land inside an intact word.
 */
function splitGluedJunk(line: string): string {
  return line.replace(/\S+/g, (token) => {
    if (!BARCODE_RUN.test(token)) return token;

    const pieces = token.split(/([Il1|^]{6,})/);
    const out: string[] = [];
    let junk = '';
    pieces.forEach((piece, index) => {
      if (index % 2 === 1) {
        junk += piece;
        return;
      }
      if (piece === '') return;

      let word = piece;
      if (junk.endsWith('I') && /^\p{Ll}+/u.test(piece)) {
        junk = junk.slice(0, -1);
        word = `I${piece}`;
      } else if (!looksLikeWord(piece)) {
        junk += piece;
        return;
      }
      if (junk !== '') out.push(junk);
      junk = '';
      out.push(word);
    });
    if (junk !== '') out.push(junk);
    return out.join(' ');
  });
}

/**
 * Decides whether a piece of a glued token is kept as a word: when it contains two lower-case
 * letters in a row, or two capitals that are not Roman numeral letters. So
 * "VIII" stuck to a barcode goes with the barcode, and "PATHOLOGY" stays.
 */
function looksLikeWord(piece: string): boolean {
  return /\p{Ll}{2}/u.test(piece) || /[ABEFGHJKNOPQRSTUWYZ]{2}/.test(piece);
}

function isJunkToken(token: string): boolean {
  if (JUNK_CHARS.test(token) && /[Il1|]/.test(token)) return true;
  if (token.length < 6 || !JUNK_RUN_4.test(token)) return false;

  let junk = 0;
  for (const char of token) if ('Il1|!i^'.includes(char)) junk++;
  return junk / token.length >= 0.8;
}

/** True when what is left contains no letter or digit. */
function isEmptyAfterRemoval(text: string): boolean {
  return !/[\p{L}\p{N}]/u.test(text);
}

function isHeaderLine(line: string): boolean {
  const trimmed = line.trim();
  if (/^UUID/i.test(trimmed)) return true;

  // A line holding a UUID and fewer than 3 other letters is an identifier line.
  const withoutUuid = trimmed.replace(UUID_PATTERN, '');
  if (withoutUuid !== trimmed && (withoutUuid.match(/\p{L}/gu) ?? []).length < 3) return true;

  if (!TCGA_BARCODE.test(trimmed)) return false;
  TCGA_BARCODE.lastIndex = 0;
  const leftover = trimmed.replace(TCGA_BARCODE, ' ').split(/\s+/).filter((token) => token !== '');
  return leftover.every((token) => HEADER_LEFTOVER_TOKENS.has(token));
}

function collapseWhitespace(text: string, counts: CleanCounts): string {
  let result = text.replace(/[ \t\u00a0]{2,}/g, () => {
    counts.whitespaceRuns += 1;
    return ' ';
  });
  result = result.replace(/[ \t]+$/gm, '').replace(/^[ \t]+/gm, '');
  result = result.replace(/\n{3,}/g, () => {
    counts.whitespaceRuns += 1;
    return '\n\n';
  });
  return result.trim();
}
