// Drop a model folder (or several files); folder and file pickers as keyboard-usable fallbacks.
import { useRef, useState, type DragEvent } from 'react';
import { studioStore, useStudio } from '../store';
import { pickedFromDataTransfer, pickedFromFileList, type PickedFolder } from '../io/browser-files';
import { modelLabel } from '../store/model-label';

async function load(picked: PickedFolder) {
  if (!picked.files.length) {
    studioStore.getState().reportError({ kind: 'file', message: 'No files were found in what you dropped.', fix: 'Drop the model folder itself (config.json, tokenizer.json, *.safetensors).' });
    return;
  }
  await studioStore.getState().loadModel(await modelLabel(picked.folder, picked.files), picked.files);
}

export function DropZone() {
  const [over, setOver] = useState(false);
  const busy = useStudio((s) => s.model.status === 'loading');
  const folderInput = useRef<HTMLInputElement>(null);
  const filesInput = useRef<HTMLInputElement>(null);

  const onDrop = (ev: DragEvent<HTMLDivElement>) => {
    ev.preventDefault();
    setOver(false);
    // Entries must be taken before the handler returns; pickedFromDataTransfer does so synchronously first.
    void pickedFromDataTransfer(ev.dataTransfer).then(load, (e: unknown) =>
      studioStore.getState().reportError({ kind: 'file', message: `Could not read the dropped files: ${String(e)}`, fix: 'Try the folder picker instead.' }),
    );
  };

  return (
    <div
      className={`drop-zone${over ? ' over' : ''}${busy ? ' busy' : ''}`}
      data-testid="drop-zone"
      onDragOver={(e) => {
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <p className="drop-title">Drop a Hugging Face model folder here</p>
      <p className="muted">config.json, tokenizer.json, tokenizer_config.json and the *.safetensors shards. Nothing leaves your computer.</p>
      <div className="row">
        <button type="button" onClick={() => folderInput.current?.click()} disabled={busy}>
          Choose folder…
        </button>
        <button type="button" onClick={() => filesInput.current?.click()} disabled={busy}>
          Choose files…
        </button>
      </div>
      <input
        ref={folderInput}
        type="file"
        hidden
        data-testid="folder-input"
        // webkitdirectory is not in React's typings; set it as a plain attribute.
        {...{ webkitdirectory: '', directory: '' }}
        onChange={(e) => e.target.files && void load(pickedFromFileList(e.target.files))}
      />
      <input ref={filesInput} type="file" hidden multiple data-testid="files-input" onChange={(e) => e.target.files && void load(pickedFromFileList(e.target.files))} />
    </div>
  );
}
