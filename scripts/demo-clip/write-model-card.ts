/**
 * Rewrites MODEL_CARD.md of the demo CLIP from its training-summary.json, e.g. after editing the card
 * text in model-card.ts, without training again.
 *
 * Usage: node --import tsx scripts/demo-clip/write-model-card.ts [MODEL_DIR]   (default public/models/demo-clip)
 */
import fs from 'node:fs';
import path from 'node:path';

import { type TrainingSummary, writeModelCard } from './model-card';

const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const modelDir = path.resolve(process.argv[2] ?? path.join(repoRoot, 'public/models/demo-clip'));
const summaryFile = path.join(modelDir, 'training-summary.json');
if (!fs.existsSync(summaryFile)) {
  console.error(`${summaryFile} not found. Run scripts/demo-clip/train-demo-clip.ts first; it writes the summary.`);
  process.exit(1);
}

const summary = JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as TrainingSummary;
writeModelCard(path.join(modelDir, 'MODEL_CARD.md'), summary);
console.log(`Wrote ${path.join(modelDir, 'MODEL_CARD.md')}.`);
