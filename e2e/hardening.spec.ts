// The studio after bad input (issue 12): a returning user drops two broken model folders, sees
// each message name the file and the fix, then drops the good folder and finishes (calibrate +
// export into a picked folder); the settings they had are kept throughout, the export lands in a
// new complete subfolder, and what the picked folder already held is untouched.
import { expect, test, type Page } from '@playwright/test';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = process.cwd();
const MODEL_DIR = join(ROOT, 'fixtures', 'stories260K');
const RESULTS = join(ROOT, 'test-results');
const SETTINGS_KEY = 'compact-studio.settings';
/** What the returning user had set (small, so SwiftShader stays quick). */
const SETTINGS = {
  calibration: { samples: 4, sampleTokens: 128, vocabOrder: 'id', criterion: 'act2', closure: false },
  eval: { tokens: 512, seq: 128 },
  exportMode: 'folder',
};

interface FileSpec {
  path: string;
  base64: string;
}

function folderSpecs(top: string, override: Record<string, Buffer | string> = {}): FileSpec[] {
  return readdirSync(MODEL_DIR)
    .filter((n) => n !== 'reference.json')
    .map((n) => {
      const content = override[n] ?? readFileSync(join(MODEL_DIR, n));
      return { path: `${top}/${n}`, base64: Buffer.from(content).toString('base64') };
    });
}

function editedJson(name: string, edit: (v: Record<string, any>) => void): string {
  const v = JSON.parse(readFileSync(join(MODEL_DIR, name), 'utf8'));
  edit(v);
  return JSON.stringify(v);
}

/** Builds File objects in the page and dispatches a drop on the drop zone. */
async function dropFolder(page: Page, files: FileSpec[]): Promise<void> {
  const dt = await page.evaluateHandle((specs) => {
    const dataTransfer = new DataTransfer();
    for (const s of specs) {
      const bin = atob(s.base64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      dataTransfer.items.add(new File([bytes], s.path.split('/').pop()!));
    }
    return dataTransfer;
  }, files);
  await page.getByTestId('drop-zone').dispatchEvent('drop', { dataTransfer: dt });
}

/** showDirectoryPicker answered with a folder of the origin-private file system (no dialog in CI)
 *  that already holds the user's notes.txt and an older export named like the new one
 *  (window.__exportName, set by the test from the model card's title). */
async function stubDirectoryPicker(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { showDirectoryPicker: unknown; __exportName: string };
    w.showDirectoryPicker = async () => {
      const root = await navigator.storage.getDirectory();
      const picked = await root.getDirectoryHandle('picked', { create: true });
      const put = async (dir: FileSystemDirectoryHandle, name: string, text: string) => {
        const w = await (await dir.getFileHandle(name, { create: true })).createWritable();
        await w.write(text);
        await w.close();
      };
      await put(picked, 'notes.txt', 'mine');
      await put(await picked.getDirectoryHandle(w.__exportName, { create: true }), 'config.json', 'an older export');
      return picked;
    };
  });
}

/** name -> text of every file under the picked folder. */
async function pickedFolder(page: Page): Promise<Record<string, string>> {
  return page.evaluate(async () => {
    const out: Record<string, string> = {};
    const walk = async (dir: FileSystemDirectoryHandle, prefix: string) => {
      for await (const [name, h] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
        if (h.kind === 'directory') await walk(h as FileSystemDirectoryHandle, `${prefix}${name}/`);
        else out[`${prefix}${name}`] = name.endsWith('.safetensors') ? `${(await (h as FileSystemFileHandle).getFile()).size} bytes` : await (await (h as FileSystemFileHandle).getFile()).text();
      }
    };
    await walk(await (await navigator.storage.getDirectory()).getDirectoryHandle('picked'), '');
    return out;
  });
}

async function storedSettings(page: Page) {
  return JSON.parse((await page.evaluate((k) => localStorage.getItem(k), SETTINGS_KEY)) ?? '{}').state.settings;
}

test('bad folders show what is wrong; the good one then calibrates and exports with the settings kept', async ({ page }) => {
  test.setTimeout(240_000);
  mkdirSync(RESULTS, { recursive: true });
  const consoleErrors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  await stubDirectoryPicker(page);
  // the returning user's stored settings, in place before the app's first script runs (set after
  // load, the app's own first write could race them)
  await page.addInitScript(([k, s]) => localStorage.setItem(k, JSON.stringify({ state: { settings: s }, version: 1 })), [SETTINGS_KEY, SETTINGS] as const);
  await page.goto('/');
  await expect(page.getByTestId('drop-zone')).toBeVisible();
  await expect(page.getByTestId('error')).toHaveCount(0);

  // 1. config.json that does not match the checkpoint
  await dropFolder(page, folderSpecs('stories-bad-config', { 'config.json': editedJson('config.json', (c) => (c.num_hidden_layers = 1)) }));
  const error = page.getByTestId('error');
  await expect(error).toBeVisible({ timeout: 60_000 });
  await expect(error).toContainText('config.json');
  await expect(error).toContainText('num_hidden_layers 1 but the checkpoint holds 5 decoder layers');
  await expect(error).toContainText(/What to do: Set num_hidden_layers to 5/);
  await expect(page.getByTestId('model-card')).toHaveCount(0);
  await page.screenshot({ path: join(RESULTS, 'hardening-1-config.png'), fullPage: true });

  // 2. a tokenizer that names a token the embedding does not have
  await dropFolder(page, folderSpecs('stories-bad-tokenizer', { 'tokenizer.json': editedJson('tokenizer.json', (t) => (t.model.vocab.e = 600)) }));
  await expect(error).toContainText('tokenizer.json', { timeout: 60_000 });
  await expect(error).toContainText('token "e" has id 600, but the model has 512 embedding rows');
  await expect(error).not.toContainText('num_hidden_layers');
  await page.screenshot({ path: join(RESULTS, 'hardening-2-tokenizer.png'), fullPage: true });
  expect((await storedSettings(page)).calibration).toEqual(SETTINGS.calibration);

  // 3. the good folder: loads, the user's settings are the ones in the form
  await dropFolder(page, folderSpecs('stories260K'));
  const card = page.getByTestId('model-card');
  await expect(card).toBeVisible({ timeout: 120_000 });
  await expect(card).toContainText('512');
  await expect(error).toHaveCount(0);
  await expect(page.getByTestId('cal-samples')).toHaveValue('4');
  await expect(page.getByTestId('cal-tokens')).toHaveValue('128');
  await expect(page.getByTestId('cal-order')).toHaveValue('id');
  await expect(page.getByTestId('cal-criterion')).toHaveValue('act2');
  await expect(page.getByTestId('cal-closure')).not.toBeChecked();

  await page.getByTestId('calibrate').click();
  await expect(page.getByTestId('calibration-result')).toBeVisible({ timeout: 120_000 });
  const vocab = page.getByTestId('vocab-keep');
  await vocab.focus();
  await page.keyboard.press('PageDown');
  const vocabKeep = Number(await vocab.inputValue());
  const ffnKeep = Number(await page.getByTestId('ffn-keep').inputValue());
  expect(vocabKeep).toBeLessThan(512);

  await expect(page.locator('input[name="export-mode"][value="folder"]')).toBeChecked(); // the stored export mode
  // the export folder is named like the model (protocol.ts exportName): "<label>-compact"
  const name = `${(await page.getByTestId('model-title').textContent())!.trim().replace(/[^\w.-]+/g, '_')}-compact`;
  await page.evaluate((n) => ((window as unknown as { __exportName: string }).__exportName = n), name);
  await page.getByTestId('export').click();
  const summary = page.getByTestId('export-summary');
  await expect(summary).toBeVisible({ timeout: 120_000 });
  await expect(summary).toContainText(`picked/${name}-2`);
  await page.screenshot({ path: join(RESULTS, 'hardening-3-export.png'), fullPage: true });

  // a new subfolder beside the older export (which, like notes.txt, is untouched), and complete
  const tree = await pickedFolder(page);
  const fresh = ['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'].map((f) => `${name}-2/${f}`);
  expect(Object.keys(tree).sort()).toEqual([...fresh, `${name}/config.json`, 'notes.txt'].sort());
  expect(tree['notes.txt']).toBe('mine');
  expect(tree[`${name}/config.json`]).toBe('an older export');
  console.log(`picked folder after the export: ${JSON.stringify(tree, (k, v) => (k.endsWith('.json') && k !== `${name}/config.json` ? `${String(v).length} chars` : v))}`);
  const config = JSON.parse(tree[`${name}-2/config.json`]);
  expect([config.vocab_size, config.intermediate_size, config.num_hidden_layers]).toEqual([vocabKeep, ffnKeep, 5]);

  const kept = await storedSettings(page);
  expect(kept.calibration).toEqual(SETTINGS.calibration);
  expect(kept.eval).toEqual(SETTINGS.eval);
  expect(kept.exportMode).toBe('folder');
  expect(consoleErrors.filter((e) => !/favicon/i.test(e))).toEqual([]);
});
