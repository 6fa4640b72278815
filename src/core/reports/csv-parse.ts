/**
 * CSV parser following RFC 4180 (quoted fields may hold delimiters, CR/LF and
 * doubled quotes), with delimiter detection for ',', ';' and tab and a
 * leading BOM removed. A quote that is never closed is reported with the
 * line where its row starts. Parsing then resumes on the next line, so one
 * broken row does not swallow the rest of the file.
 */

export type CsvDelimiter = ',' | ';' | '\t';

export interface CsvRow {
  /** 1-based line where the row starts. */
  line: number;
  cells: string[];
}

export interface CsvProblem {
  line: number;
  reason: string;
}

export interface CsvTable {
  header: string[];
  rows: CsvRow[];
  delimiter: CsvDelimiter;
  problems: CsvProblem[];
}

export interface CsvOptions {
  /** Forces a delimiter; detected from the first line when omitted. */
  delimiter?: CsvDelimiter;
}

/**
 * Picks the candidate delimiter that occurs most often outside quotes in the
 * first line; ',' on a tie or when none occurs.
 */
export function detectDelimiter(text: string): CsvDelimiter {
  const counts: Record<CsvDelimiter, number> = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === '\n' || char === '\r')) break;
    else if (!quoted && (char === ',' || char === ';' || char === '\t')) counts[char] += 1;
  }

  let best: CsvDelimiter = ',';
  for (const candidate of [';', '\t'] as const) {
    if (counts[candidate] > counts[best]) best = candidate;
  }
  return best;
}

export function parseCsv(input: string, options: CsvOptions = {}): CsvTable {
  const text = input.startsWith('\uFEFF') ? input.slice(1) : input;
  const delimiter = options.delimiter ?? detectDelimiter(text);
  const problems: CsvProblem[] = [];
  const records = parseRecords(text, delimiter, problems);

  if (records.length === 0) return { header: [], rows: [], delimiter, problems };

  const header = records[0].cells.map((cell) => cell.trim());
  const rows = records.slice(1);
  for (const row of rows) {
    if (row.cells.length > header.length) {
      problems.push({ line: row.line, reason: `${row.cells.length} fields, but the header has ${header.length}; extra fields ignored` });
    } else if (row.cells.length < header.length) {
      problems.push({ line: row.line, reason: `${row.cells.length} fields, but the header has ${header.length}; missing fields read as empty` });
      while (row.cells.length < header.length) row.cells.push('');
    }
  }
  problems.sort((a, b) => a.line - b.line);
  return { header, rows, delimiter, problems };
}

/** Index of a header column; throws naming the available columns when absent. */
export function columnIndex(table: CsvTable, name: string): number {
  const index = table.header.indexOf(name);
  if (index < 0) {
    throw new RangeError(`column "${name}" not found; the header has: ${table.header.map((column) => `"${column}"`).join(', ')}`);
  }
  return index;
}

function parseRecords(text: string, delimiter: string, problems: CsvProblem[]): CsvRow[] {
  const records: CsvRow[] = [];
  let pos = 0;
  let line = 1;

  while (pos < text.length) {
    const rowStart = pos;
    const rowLine = line;
    const cells: string[] = [];
    let cell = '';
    let quoted = false;
    let quoteLine = line;
    let fieldStart = true;
    let afterClosingQuote = false;
    let strayTextReported = false;
    let rowDone = false;

    while (pos < text.length && !rowDone) {
      const char = text[pos];

      if (quoted) {
        if (char === '"' && text[pos + 1] === '"') {
          cell += '"';
          pos += 2;
        } else if (char === '"') {
          quoted = false;
          afterClosingQuote = true;
          pos += 1;
        } else {
          if (char === '\n') line += 1;
          cell += char;
          pos += 1;
        }
        continue;
      }

      if (char === '"' && fieldStart) {
        quoted = true;
        quoteLine = line;
        fieldStart = false;
        pos += 1;
      } else if (char === delimiter) {
        cells.push(cell);
        cell = '';
        fieldStart = true;
        afterClosingQuote = false;
        pos += 1;
      } else if (char === '\r' || char === '\n') {
        pos += char === '\r' && text[pos + 1] === '\n' ? 2 : 1;
        line += 1;
        rowDone = true;
      } else {
        // RFC 4180 allows no text after a closing quote; keep it, but flag a likely stray quote.
        if (afterClosingQuote && !strayTextReported) {
          problems.push({ line, reason: `text after a closing quote (field starting on line ${quoteLine}); check for a stray quote` });
          strayTextReported = true;
        }
        cell += char;
        fieldStart = false;
        pos += 1;
      }
    }

    if (quoted) {
      // Unclosed quote at end of input: drop this row and resume after the line the quote opened on.
      problems.push({ line: rowLine, reason: `unterminated quote (opened on line ${quoteLine}); row skipped` });
      const nextLineBreak = nextLineStart(text, rowStart, rowLine, quoteLine);
      pos = nextLineBreak;
      line = quoteLine + 1;
      continue;
    }

    cells.push(cell);
    const blank = cells.length === 1 && cells[0].trim() === '';
    if (!blank) records.push({ line: rowLine, cells });
  }
  return records;
}

/** Offset of the first character of the line after `targetLine`, counting lines from `fromLine` at `from`. */
function nextLineStart(text: string, from: number, fromLine: number, targetLine: number): number {
  let line = fromLine;
  for (let pos = from; pos < text.length; pos++) {
    if (text[pos] === '\n') {
      line += 1;
      if (line > targetLine) return pos + 1;
    }
  }
  return text.length;
}
