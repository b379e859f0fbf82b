// The model's name on its card and in the export's file name: the dropped folder's name, or the
// name config.json records (`_name_or_path`, as transformers writes it) when the folder has none
// or is a Hugging Face cache snapshot (a commit hash); else the architecture; else "model".
import type { DroppedFile } from '../worker/protocol';

const SNAPSHOT = /^[0-9a-f]{40}$/i;
/** Config and tokenizer config are small; anything bigger is not read here (open reports it). */
const MAX_JSON_BYTES = 4 * 2 ** 20;

async function readJson(files: DroppedFile[], name: string): Promise<Record<string, unknown> | null> {
  const f = files.find((p) => p.path === name)?.file;
  if (!f || f.size > MAX_JSON_BYTES) return null;
  try {
    const v: unknown = JSON.parse(await f.text());
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null; // open() names the broken file
  }
}

/** "meta-llama/Llama-3.2-1B" -> "Llama-3.2-1B"; a local path -> its last folder. */
function lastSegment(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const seg = v.split(/[\\/]/).filter((s) => s && s !== '.' && s !== '..').pop();
  return seg && !SNAPSHOT.test(seg) ? seg : null;
}

export async function modelLabel(folder: string | null, files: DroppedFile[]): Promise<string> {
  if (folder && !SNAPSHOT.test(folder)) return folder;
  const config = await readJson(files, 'config.json');
  const named = lastSegment(config?._name_or_path) ?? lastSegment((await readJson(files, 'tokenizer_config.json'))?.name_or_path);
  if (named) return named;
  if (folder) return folder;
  const arch = Array.isArray(config?.architectures) && typeof config.architectures[0] === 'string' ? config.architectures[0] : null;
  return arch ?? (typeof config?.model_type === 'string' ? `${config.model_type} model` : 'model');
}
