/**
 * Keeps the latest CLIP-IT comparison of the current project across
 * reloads: restores it once, then saves each comparison that finishes.
 */
import type { ComparisonEpochEvent, ComparisonStepEvent } from '../clipit-protocol';
import { loadLatestComparison, saveComparison } from '../storage/comparison-storage';
import { useClipItStore } from './clipit-store';

export async function restoreAndKeepComparisons(): Promise<void> {
  try {
    const { comparison, skipped } = await loadLatestComparison();
    const store = useClipItStore.getState();
    if (comparison && !store.running && !store.result) {
      useClipItStore.setState({
        result: comparison.result,
        steps: comparison.steps as ComparisonStepEvent[],
        epochs: comparison.epochs as ComparisonEpochEvent[],
        clipName: comparison.clipName,
        status: `Saved comparison of ${new Date(comparison.createdAt).toLocaleString()}`,
      });
    }
    if (skipped > 0) useClipItStore.setState({ error: `${skipped} saved comparison(s) were damaged and skipped.` });
  } catch (error) {
    console.warn('[clip-it] restoring the saved comparison failed:', error);
  }

  useClipItStore.subscribe((state, previous) => {
    if (!state.result || state.result === previous.result || state.result.status === 'failed') return;
    const saved = {
      id: state.result.runId,
      createdAt: Date.now(),
      result: state.result,
      steps: state.steps,
      epochs: state.epochs,
      settings: state.settings,
      clipName: state.clipName,
    };
    saveComparison(saved).catch((error: unknown) => {
      console.warn(`[clip-it] saving comparison ${saved.id} failed:`, error);
      useClipItStore.setState({ error: `The comparison could not be saved for the next visit (${error instanceof Error ? error.message : String(error)}).` });
    });
  });
}
