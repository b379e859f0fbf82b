// Export slice: the pruned folder into a picked folder, a picked .zip file, or a .zip download.
import { exportName } from '../../worker/protocol';
import type { StoreContext } from '../context';
import { sliderRequest } from './plan';
import type { StudioActions, StudioData } from '../types';

/** The .zip's file name for a model label (the folder inside the zip has the same name). */
export function zipFileName(label: string): string {
  return `${exportName(label)}.zip`;
}

export function exportData(): Pick<StudioData, 'exported'> {
  return { exported: { status: 'idle', progress: null, summary: null, fileName: null } };
}

export function exportSlice(ctx: StoreContext): Pick<StudioActions, 'exportModel'> {
  const { set, get } = ctx;
  return {
    async exportModel(target) {
      const req = sliderRequest(get());
      const label = get().model.summary?.label;
      if (!req || !label) return null;
      const onProgress = ctx.tracker((progress) => set((s) => ({ exported: { ...s.exported, progress } })));
      const done = (summary: NonNullable<StudioData['exported']['summary']>, fileName: string) => set({ exported: { status: 'done', progress: null, summary, fileName } });
      return ctx.longCall({
        operation: 'export',
        start: () => set({ exported: { status: 'running', progress: null, summary: null, fileName: null } }),
        run: async (signal) => {
          const c = ctx.client();
          if (target && 'dir' in target) {
            const { summary, folder } = await c.call('exportDir', { req, dir: target.dir }, onProgress, signal);
            done(summary, `${target.dir.name}/${folder}`); // the new subfolder the export went into
            return null;
          }
          if (target && 'zipFile' in target) {
            done((await c.call('exportZipFile', { req, file: target.zipFile }, onProgress, signal)).summary, target.zipFile.name);
            return null;
          }
          const { summary, zip } = await c.call('exportZip', { req }, onProgress, signal);
          const fileName = zipFileName(label);
          done(summary, fileName);
          return { zip, fileName };
        },
        // no archive comes back and partial files are removed: nothing is offered as done
        cancelled: () => set({ exported: { status: 'idle', progress: null, summary: null, fileName: null } }),
        failed: () => set((s) => ({ exported: { ...s.exported, status: 'failed', progress: null } })),
      });
    },
  };
}
