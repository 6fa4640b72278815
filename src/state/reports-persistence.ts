/**
 * Keeps the report corpus of the current project across reloads: restores
 * the saved sources and settings once, then saves every change.
 */
import { loadReportFile, type ReportFileKind } from '../core/reports/report-file';
import { reportsFromTextFiles } from '../core/reports/txt-reports';
import { loadReportSettings, loadReportSources, saveReportSettings, saveReportSources, type SavedReportSource } from '../storage/report-storage';
import { useReportsStore, type MetaFilter, type PassageSettings, type ReportSource } from './reports-store';

interface SavedSettings {
  cleaning: boolean;
  passages: PassageSettings;
  filter: MetaFilter | null;
}

/** Rebuilds a source from its bytes with the fields the user had chosen. */
export function rebuildReportSource(saved: SavedReportSource): ReportSource {
  const kind = saved.kind as ReportFileKind;
  if (kind === 'txt') {
    return { name: saved.name, kind, files: saved.files, fields: [], textField: null, idField: null, corpus: reportsFromTextFiles(saved.files) };
  }
  const file = saved.files[0];
  const loaded = loadReportFile(file.bytes, file.path, { textField: saved.textField ?? undefined, idField: saved.idField ?? undefined });
  return { name: saved.name, kind, files: saved.files, fields: loaded.fields, textField: loaded.textField, idField: loaded.idField, corpus: loaded.corpus };
}

let saves: Promise<void> = Promise.resolve();

function queueSave(save: () => Promise<void>): void {
  saves = saves.then(save).catch((error: unknown) => {
    console.warn('[reports] saving the corpus failed:', error);
    useReportsStore.setState({ error: `The report corpus could not be saved for the next visit (${error instanceof Error ? error.message : String(error)}).` });
  });
}

/** Restores the saved corpus unless reports were loaded meanwhile, then saves every later change. */
export async function restoreAndKeepReports(): Promise<void> {
  try {
    const [{ sources, skipped }, settings] = await Promise.all([loadReportSources(), loadReportSettings() as Promise<SavedSettings | undefined>]);
    const store = useReportsStore.getState();
    if (store.sources.length === 0 && (sources.length > 0 || settings)) {
      const rebuilt: ReportSource[] = [];
      const unreadable: string[] = [...skipped];
      for (const saved of sources) {
        try {
          rebuilt.push(rebuildReportSource(saved));
        } catch (error) {
          unreadable.push(`${saved.name} (${error instanceof Error ? error.message : String(error)})`);
        }
      }

      useReportsStore.setState({ sources: rebuilt, cleaning: settings?.cleaning ?? store.cleaning, passages: settings?.passages ?? store.passages });
      // setFilter recomputes the merged corpus from the restored sources.
      useReportsStore.getState().setFilter(settings?.filter ?? null);
      if (unreadable.length > 0) {
        useReportsStore.setState({ error: `${unreadable.length} saved report source(s) were damaged and skipped: ${unreadable.join('; ')}. Load those files again.` });
      }
    }
  } catch (error) {
    console.warn('[reports] restoring the saved corpus failed:', error);
    useReportsStore.setState({ error: `The saved report corpus could not be read (${error instanceof Error ? error.message : String(error)}); load the report files again.` });
  }

  useReportsStore.subscribe((state, previous) => {
    if (state.sources !== previous.sources) {
      const sources = state.sources.map((s) => ({ name: s.name, kind: s.kind, textField: s.textField, idField: s.idField, files: s.files }));
      queueSave(() => saveReportSources(sources));
    }
    if (state.cleaning !== previous.cleaning || state.passages !== previous.passages || state.filter !== previous.filter) {
      const settings: SavedSettings = { cleaning: state.cleaning, passages: state.passages, filter: state.filter };
      queueSave(() => saveReportSettings(settings));
    }
  });
}
