import { readFileSync, readdirSync } from 'node:fs';

import type { Page } from 'playwright-core';

/** Sum of VmRSS over the Chromium processes below this Node process (Linux /proc), in bytes. */
export function chromiumRssBytes(): number {
  const parents = new Map<number, number>();
  const names = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name is in parentheses and may contain spaces, so fields are read after the last ')'.
      const close = stat.lastIndexOf(')');
      names.set(Number(entry), stat.slice(stat.indexOf('(') + 1, close));
      parents.set(Number(entry), Number(stat.slice(close + 2).split(' ')[1]));
    } catch {
      // The process ended while the table was read.
    }
  }

  let total = 0;
  for (const [pid, name] of names) {
    if (!/chrom/i.test(name)) continue;
    let ancestor = parents.get(pid);
    while (ancestor !== undefined && ancestor > 1 && ancestor !== process.pid) ancestor = parents.get(ancestor);
    if (ancestor !== process.pid) continue;
    try {
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (rss) total += Number(rss[1]) * 1024;
    } catch {
      // Ended meanwhile.
    }
  }
  return total;
}

/**
 * Returns the page's memory from `performance.measureUserAgentSpecificMemory()` in bytes, or null
 * where the page is not cross-origin isolated, the API is missing, or it gives no result in 60 s.
 */
export async function pageMemoryBytes(page: Page): Promise<number | null> {
  return page
    .evaluate(async () => {
      const measure = (performance as Performance & { measureUserAgentSpecificMemory?: () => Promise<{ bytes: number }> }).measureUserAgentSpecificMemory;
      if (!self.crossOriginIsolated || !measure) return null;
      const result = await Promise.race([measure.call(performance), new Promise<null>((resolve) => setTimeout(() => resolve(null), 60_000))]);
      return result?.bytes ?? null;
    })
    .catch(() => null);
}
