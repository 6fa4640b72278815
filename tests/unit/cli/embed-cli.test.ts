/**
 * `npm run embed` end to end: the CLI builds the app, runs the worker code in headless Chromium
 * and must reproduce the tiny-clip reference computed by an independent float64 implementation.
 * Each successful run starts Chromium, so the file keeps to a few invocations.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { REPO_ROOT, sharedPath } from '../shared-path';

const FIXTURE = sharedPath('fixtures', 'tiny-clip');
const CLI_TIMEOUT_MS = 240_000;

/** Absolute tolerance for embeddings fed the reference pixel values or token ids (float32 vs float64). */
const EMBED_TOLERANCE = 1e-4;

interface Reference {
  texts: string[];
  input_ids: number[][];
  text_embeds: number[][];
  images: string[];
  pixel_values_file: string;
  pixel_values_shape: number[];
  image_embeds: number[][];
}

interface EmbedOutput {
  model: string;
  backend: string;
  input_ids?: number[][];
  text_embeds?: number[][];
  image_embeds?: number[][];
}

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

const reference = JSON.parse(readFileSync(path.join(FIXTURE, 'reference.json'), 'utf8')) as Reference;
let tempDir = '';
let textFile = '';

function runEmbed(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile('npm', ['run', '--silent', 'embed', '--', ...args], { cwd: REPO_ROOT, timeout: CLI_TIMEOUT_MS }, (error, stdout, stderr) => {
      let code = 0;
      if (error) code = typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

function maxAbsDifference(actual: number[][], expected: number[][]): number {
  let max = 0;
  expected.forEach((row, i) => row.forEach((value, j) => (max = Math.max(max, Math.abs(actual[i][j] - value)))));
  return max;
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  a.forEach((value, i) => {
    dot += value * b[i];
    normA += value * value;
    normB += b[i] * b[i];
  });
  return dot / Math.sqrt(normA * normB);
}

function pixelArgs(): string[] {
  return ['--pixel-values', path.join(FIXTURE, reference.pixel_values_file), '--pixel-shape', reference.pixel_values_shape.join(',')];
}

async function embedToJson(args: string[], name: string): Promise<EmbedOutput> {
  const out = path.join(tempDir, name);
  const result = await runEmbed([...args, '--out', out]);
  expect(result.stderr, `embed ${args.join(' ')} wrote to stderr`).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(readFileSync(out, 'utf8')) as EmbedOutput;
}

beforeAll(() => {
  tempDir = mkdtempSync(path.join(os.tmpdir(), 'embed-cli-'));

  // CRLF line ends and blank lines between texts: the CLI must skip the blanks and keep the order.
  textFile = path.join(tempDir, 'texts.txt');
  writeFileSync(textFile, `\r\n${reference.texts.join('\r\n\r\n')}\r\n`, 'utf8');
});

afterAll(() => {
  rmSync(tempDir, { recursive: true, force: true });
});

describe('npm run embed', () => {
  it('cpu texts and pixel values match reference', { timeout: CLI_TIMEOUT_MS }, async () => {
    const output = await embedToJson(['--model', FIXTURE, '--backend', 'cpu', '--text-file', textFile, ...pixelArgs()], 'cpu.json');

    expect(output.model).toBe(FIXTURE);
    expect(output.backend).toBe('cpu');
    expect(output.input_ids).toEqual(reference.input_ids);
    expect(output.text_embeds).toHaveLength(reference.texts.length);
    expect(maxAbsDifference(output.text_embeds!, reference.text_embeds)).toBeLessThan(EMBED_TOLERANCE);
    expect(output.image_embeds).toHaveLength(reference.pixel_values_shape[0]);
    expect(maxAbsDifference(output.image_embeds!, reference.image_embeds)).toBeLessThan(EMBED_TOLERANCE);
  });

  it('webgpu matches reference within tolerance', { timeout: CLI_TIMEOUT_MS }, async () => {
    const output = await embedToJson(['--model', FIXTURE, '--backend', 'webgpu', '--text-file', textFile, ...pixelArgs()], 'webgpu.json');

    expect(output.backend).toBe('webgpu');
    expect(output.input_ids).toEqual(reference.input_ids);
    expect(maxAbsDifference(output.text_embeds!, reference.text_embeds)).toBeLessThan(EMBED_TOLERANCE);
    expect(maxAbsDifference(output.image_embeds!, reference.image_embeds)).toBeLessThan(EMBED_TOLERANCE);
  });

  it('image files embed close to reference', { timeout: CLI_TIMEOUT_MS }, async () => {
    const imageArgs = reference.images.flatMap((name) => ['--image', path.join(FIXTURE, 'images', name)]);
    const output = await embedToJson(['--model', FIXTURE, '--backend', 'cpu', ...imageArgs], 'images.json');

    expect(output.input_ids).toBeUndefined();
    expect(output.text_embeds).toBeUndefined();
    expect(output.image_embeds).toHaveLength(reference.images.length);
    output.image_embeds!.forEach((row, i) => {
      expect(cosine(row, reference.image_embeds[i]), reference.images[i]).toBeGreaterThan(0.99);
    });
  });

  it('missing model folder fails naming it', { timeout: CLI_TIMEOUT_MS }, async () => {
    const missing = path.join(tempDir, 'no-such-model');
    const result = await runEmbed(['--model', missing, '--text-file', textFile, '--out', path.join(tempDir, 'x.json')]);

    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(missing);
  });

  it('both image inputs fail naming them', { timeout: CLI_TIMEOUT_MS }, async () => {
    const image = path.join(FIXTURE, 'images', reference.images[0]);
    const result = await runEmbed(['--model', FIXTURE, '--image', image, ...pixelArgs(), '--out', path.join(tempDir, 'x.json')]);

    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(image);
    expect(result.stderr).toContain(reference.pixel_values_file);
  });

  it('missing text file fails naming it', { timeout: CLI_TIMEOUT_MS }, async () => {
    const missing = path.join(tempDir, 'no-such-texts.txt');
    const result = await runEmbed(['--model', FIXTURE, '--text-file', missing, '--out', path.join(tempDir, 'x.json')]);

    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(missing);
  });
});
